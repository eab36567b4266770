"""Filters answer the same in Python and in the CLI, whoever built them."""
import csv

import numpy as np
import pandas as pd
import pytest

import csvbloom
from conftest import REAL_DATA, run_cli, write_people

# Keys asked: present ones (as in the file and in other cases/paddings) and
# absent ones, so that both answers occur for every configuration.
def probe_keys(rows=500):
    keys = []
    for i in range(0, rows, 7):
        keys += [f"user{i}@example.com", f"User{i}@Example.COM", f"  user{i}@example.com ", f"user{i}@example.org"]
    return keys


def cli_answers(cli, filt, keys):
    out = run_cli(cli, "query", "-0", filt, input=b"".join(k.encode() + b"\0" for k in keys)).stdout
    present = set(out.split(b"\0")) - {b""}
    return np.array([k.encode() in present for k in keys])


CONFIGS = [
    dict(trim=False, lowercase=False, layout="blocked"),
    dict(trim=True, lowercase=True, layout="blocked"),
    dict(trim=True, lowercase=False, layout="classic"),
    dict(trim=False, lowercase=True, layout="classic"),
]


def cli_flags(cfg):
    return (["--trim"] if cfg["trim"] else []) + (["--lowercase"] if cfg["lowercase"] else []) + ["--layout", cfg["layout"]]


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda c: f"{c['layout']}-trim{int(c['trim'])}-lower{int(c['lowercase'])}")
def test_single_key_cli_built_and_python_built_agree(tmp_path, cli, cfg):
    data = write_people(tmp_path / "people.csv")
    by_cli, by_py = tmp_path / "cli.bloom", tmp_path / "py.bloom"
    run_cli(cli, "build", "-q", "-o", by_cli, "--key", "email", "--capacity", 1000, *cli_flags(cfg), data)
    csvbloom.build([data], by_py, key="email", capacity=1000, **cfg)
    keys = probe_keys()
    for filt in (by_cli, by_py):
        expected = cli_answers(cli, filt, keys)
        f = csvbloom.Filter.open(filt)
        got = f.contains_many(keys)
        assert got.dtype == np.bool_ and got.shape == (len(keys),)
        assert (got == expected).all()
        assert expected.any() and not expected.all()
        # Every input form gives the same answers.
        assert (f.contains_many(np.array(keys)) == expected).all()                       # 'U'
        assert (f.contains_many(np.array([k.encode() for k in keys])) == expected).all()  # 'S'
        assert (f.contains_many(pd.Series(keys)) == expected).all()                       # object
        assert (f.contains_many(iter(keys)) == expected).all()                            # iterator
        assert (f.contains_many(tuple(keys)) == expected).all()
        assert [k in f for k in keys] == list(expected)
        assert [f.contains(k.encode()) for k in keys] == list(expected)


@pytest.mark.parametrize("cfg", CONFIGS[:2], ids=["plain", "trim-lower"])
def test_composite_key_tuple_and_csv_row(tmp_path, cli, cfg):
    data = write_people(tmp_path / "people.csv")
    filt = tmp_path / "pairs.bloom"
    run_cli(cli, "build", "-q", "-o", filt, "--key", "last", "--key", "city", "--capacity", 1000, *cli_flags(cfg), data)
    f = csvbloom.Filter.open(filt)
    assert f.key_columns == 2
    pairs = [(f"Last{i}", "Paris, FR" if i % 5 == 0 else f"City{i % 11}") for i in range(0, 500, 3)]
    pairs += [(f"Last{i}", "Nowhere") for i in range(0, 500, 3)]
    rows = [f'{a},"{b}"' for a, b in pairs]
    expected = cli_answers(cli, filt, rows)
    assert expected[: len(pairs) // 2].all() and not expected.all()
    assert (f.contains_many(pairs) == expected).all()
    assert (f.contains_many(rows) == expected).all()  # a str is one CSV row, as the CLI takes it
    assert (f.contains_many([(a.encode(), b.encode()) for a, b in pairs]) == expected).all()
    assert (("Last0", "Paris, FR") in f) is True


def test_no_false_negatives_on_the_real_corpus(tmp_path, cli):
    # Every first-column value of every file (tabs for anes96), read by
    # Python's csv module, is found: the filter is built by both sides.
    for path in sorted(REAL_DATA.glob("*.csv")):
        delim = "\t" if path.name == "anes96.csv" else ","
        with open(path, newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.reader(fh, delimiter=delim))
        keys = [r[0] for r in rows[1:] if r and r[0]]
        assert keys, path
        py_filter = tmp_path / (path.stem + ".bloom")
        csvbloom.build(path, py_filter, key=1, delimiter=delim, allow_ragged=True, on_error="skip")
        cli_filter = tmp_path / (path.stem + ".cli.bloom")
        args = ["--tsv"] if delim == "\t" else []
        run_cli(cli, "build", "-q", "-o", cli_filter, "--key", "1", "--allow-ragged", "--on-error", "skip", *args, path)
        assert py_filter.read_bytes() == cli_filter.read_bytes(), path
        assert csvbloom.Filter.open(py_filter).contains_many(keys).all(), path


def test_info_matches_info_json(tmp_path, cli):
    import json
    data = write_people(tmp_path / "people.csv")
    filt = tmp_path / "p.bloom"
    run_cli(cli, "build", "-q", "-o", filt, "--key", "email", "--key", "2", "--fpr", "0.001", data)
    expected = json.loads(run_cli(cli, "info", "--json", filt).stdout)
    f = csvbloom.Filter.open(str(filt))
    info = f.info()
    info["file"] = expected["file"]
    assert info == expected
    assert f.keys_inserted == expected["keys_inserted"] == 500
    assert f.estimated_distinct_keys == pytest.approx(expected["estimated_distinct_keys"])


def test_filter_pickles_as_its_path(tmp_path, cli):
    import pickle
    data = write_people(tmp_path / "people.csv")
    csvbloom.build(data, tmp_path / "p.bloom", key="email")
    f = pickle.loads(pickle.dumps(csvbloom.Filter.open(tmp_path / "p.bloom")))
    assert "user1@example.com" in f and f.path == str(tmp_path / "p.bloom")
