"""csvbloom.build and csvbloom.merge give the CLI's bytes and stats fields."""
import json

import pytest

import csvbloom
from conftest import run_cli, write_people


@pytest.mark.parametrize(
    "py_kwargs, cli_args",
    [
        (dict(key="email", capacity=2000), ["--key", "email", "--capacity", 2000]),
        (dict(key=["first", 3], trim=True, lowercase=True, fpr=0.001), ["--key", "first", "--key", 3, "--trim", "--lowercase", "--fpr", 0.001]),
        (dict(key="city", layout="classic", seed=7, capacity=300), ["--key", "city", "--layout", "classic", "--seed", 7, "--capacity", 300]),
        (dict(key=4, bits=10000, hashes=5), ["--key", 4, "--bits", 10000, "--hashes", 5]),
        (dict(key="email", bits=10000, capacity=800), ["--key", "email", "--bits", 10000, "--capacity", 800]),
        (dict(key="email", threads=1, chunk_size=4096), ["--key", "email", "-j", 1, "--chunk-size", 4096]),
        (dict(key="email", threads=2, readers=2, workers=0, queue_batches=3), ["--key", "email", "-j", 2, "--readers", 2, "--workers", 0, "--queue-batches", 3]),
    ],
    ids=["capacity", "composite-trim-lower", "classic-seed", "bits-hashes", "bits-capacity", "j1-small-chunks", "workers0"],
)
def test_same_bytes_and_stats_as_the_cli(tmp_path, cli, py_kwargs, cli_args):
    a = write_people(tmp_path / "a.csv", 400)
    sub = tmp_path / "dir"
    sub.mkdir()
    write_people(sub / "b.csv", 300)
    by_cli, by_py, stats_json = tmp_path / "cli.bloom", tmp_path / "py.bloom", tmp_path / "stats.json"
    run_cli(cli, "build", "-q", "-o", by_cli, "--stats-json", stats_json, *cli_args, a, sub)
    stats = csvbloom.build([a, sub], by_py, **py_kwargs)
    assert by_py.read_bytes() == by_cli.read_bytes()
    expected = json.loads(stats_json.read_text())
    assert stats.keys() == expected.keys()
    for k in ("seconds", "bytes_per_second", "rows_per_second"):
        assert stats.pop(k) >= 0
        expected.pop(k)
    expected["output"] = stats["output"]
    assert stats == expected
    assert stats["rows"] == 700


def test_skip_reports_bad_rows_like_the_cli(tmp_path, cli):
    bad = tmp_path / "bad.csv"
    bad.write_text('k,v\na,1\n"unterminated,2\n')
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("k,v\nb,1\nc,2,3\nd,4\n")
    stats = csvbloom.build([bad, ragged], tmp_path / "f.bloom", on_error="skip", capacity=10)
    run_cli(cli, "build", "-q", "-o", tmp_path / "g.bloom", "--on-error", "skip", "--capacity", 10, bad, ragged)
    assert (tmp_path / "f.bloom").read_bytes() == (tmp_path / "g.bloom").read_bytes()
    assert stats["bad_rows"] == 2
    assert [(b["file"], b["line"]) for b in stats["first_bad_rows"]] == [(str(bad), 3), (str(ragged), 3)]


def test_merge_same_bytes_as_cli_merge_and_as_one_build(tmp_path, cli):
    parts = [write_people(tmp_path / f"p{i}.csv", 100 + 50 * i) for i in range(3)]
    shards = []
    for i, p in enumerate(parts):
        shards.append(tmp_path / f"s{i}.bloom")
        csvbloom.build(p, shards[-1], key="email", capacity=5000, fpr=0.001)
    csvbloom.merge(tmp_path / "py.bloom", shards)
    run_cli(cli, "merge", "-q", "-o", tmp_path / "cli.bloom", *shards)
    csvbloom.build(parts, tmp_path / "one.bloom", key="email", capacity=5000, fpr=0.001)
    assert (tmp_path / "py.bloom").read_bytes() == (tmp_path / "cli.bloom").read_bytes()
    assert (tmp_path / "py.bloom").read_bytes() == (tmp_path / "one.bloom").read_bytes()


def test_merge_refuses_different_parameters(tmp_path):
    p = write_people(tmp_path / "p.csv", 50)
    csvbloom.build(p, tmp_path / "a.bloom", key="email", capacity=100)
    csvbloom.build(p, tmp_path / "b.bloom", key="email", capacity=100, trim=True)
    # Same bits and hashes, different recorded capacity: still incompatible.
    csvbloom.build(p, tmp_path / "c1.bloom", key="email", bits=4096, hashes=5, capacity=100)
    csvbloom.build(p, tmp_path / "c2.bloom", key="email", bits=4096, hashes=5, capacity=200)
    (tmp_path / "out.bloom").write_bytes(b"old")
    with pytest.raises(csvbloom.IncompatibleError, match="trim: no vs yes"):
        csvbloom.merge(tmp_path / "out.bloom", [tmp_path / "a.bloom", tmp_path / "b.bloom"])
    with pytest.raises(csvbloom.IncompatibleError, match="capacity 100 vs 200"):
        csvbloom.merge(tmp_path / "out.bloom", [tmp_path / "c1.bloom", tmp_path / "c2.bloom"])
    assert (tmp_path / "out.bloom").read_bytes() == b"old"
