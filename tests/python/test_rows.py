"""csvbloom.select, dedupe and add give the CLI's bytes and --stats-json fields."""
import io
import json
import os

import pytest

import csvbloom
from conftest import interrupt_while_feeding, run_cli, write_people


@pytest.fixture
def data(tmp_path):
    """old.csv built into seen.bloom (key email, trim+lowercase); new.csv overlaps it."""
    old = write_people(tmp_path / "old.csv", 300)
    lines = write_people(tmp_path / "tmp.csv", 600).read_text().splitlines()
    (tmp_path / "tmp.csv").unlink()
    # Rows 200..599 (100 already in old.csv, 300 new), then every old row again: 700.
    new = tmp_path / "new.csv"
    new.write_text("\n".join([lines[0]] + lines[201:] + lines[1:301]) + "\n")
    csvbloom.build(old, tmp_path / "seen.bloom", key="email", trim=True, lowercase=True, capacity=2000, fpr=0.001)
    return tmp_path


def timeless(d):
    """A summary without its timings (they differ run to run)."""
    d = dict(d)
    for k in ("seconds", "bytes_per_second", "rows_per_second"):
        if k in d:
            assert d.pop(k) >= 0
    return d


@pytest.mark.parametrize(
    "py_kwargs, cli_args",
    [
        (dict(), []),
        (dict(absent=True), ["--absent"]),
        (dict(absent=True, threads=1, chunk_size=4096), ["--absent", "-j", 1, "--chunk-size", 4096]),
        (dict(threads=2, readers=2, workers=0, chunk_size=64), ["-j", 2, "--readers", 2, "--workers", 0, "--chunk-size", 64]),
    ],
    ids=["present", "absent", "absent-j1-small-chunks", "workers0-tiny-chunks"],
)
def test_select_same_bytes_as_the_cli(data, cli, py_kwargs, cli_args):
    seen, new = data / "seen.bloom", data / "new.csv"
    run_cli(cli, "select", "-q", "-o", data / "cli.csv", *cli_args, seen, new)
    s = csvbloom.select(seen, new, data / "py.csv", **py_kwargs)
    expected = (data / "cli.csv").read_bytes()
    assert (data / "py.csv").read_bytes() == expected
    # The other two kinds of output: the same bytes.
    buf = io.BytesIO()
    assert timeless(csvbloom.select(seen, new, buf, **py_kwargs)) == timeless(dict(s, output=None))
    assert buf.getvalue() == expected
    in_memory = csvbloom.select(seen, new, **py_kwargs)
    assert in_memory.pop("data") == expected
    # Counts: the CLI's --count, and the rows themselves (header excluded).
    count = int(run_cli(cli, "select", "-q", "--count", *cli_args, seen, new).stdout)
    assert csvbloom.select(seen, new, count=True, **py_kwargs)["rows_written"] == count == s["rows_written"]
    assert count == expected.count(b"\n") - 1
    assert s["output"] == str(data / "py.csv") and s["rows"] == 700 and s["files"] == 1
    assert s["rows_written"] + s["rows_dropped"] == 700


def test_select_absent_is_the_anti_join(data):
    new = data / "new.csv"
    s = csvbloom.select(data / "seen.bloom", new, absent=True)
    rows = s["data"].decode().splitlines()
    assert rows[0] == "id,first,last,email,city"
    # No member's row (no false negatives); every row of an id >= 300 is new,
    # and a 0.001 filter lets at most a few of them look present.
    ids = [int(r.split(",")[0]) for r in rows[1:]]
    assert all(i >= 300 for i in ids)
    assert 290 <= len(ids) <= 300 and ids == sorted(ids)
    present = csvbloom.select(csvbloom.Filter.open(data / "seen.bloom"), new)  # a Filter works as well as its path
    assert present["rows_written"] + s["rows_written"] == 700


def test_select_key_rename_and_composite(tmp_path, cli):
    p = write_people(tmp_path / "p.csv", 200)
    csvbloom.build(p, tmp_path / "two.bloom", key=["first", "last"], capacity=500)
    renamed = tmp_path / "renamed.tsv"  # other names, other delimiter (a .tsv: tab by extension)
    renamed.write_text(p.read_text().replace("id,first,last", "id,given,family").replace(",", "\t"))
    run_cli(cli, "select", "-q", "-o", tmp_path / "cli.csv", "--key", "given", "--key", "family", tmp_path / "two.bloom", renamed)
    csvbloom.select(tmp_path / "two.bloom", renamed, tmp_path / "py.csv", key=["given", "family"])
    assert (tmp_path / "py.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    assert (tmp_path / "py.csv").read_bytes().count(b"\n") == 201
    with pytest.raises(csvbloom.InvalidArgumentError, match=r"has a key of 2 columns \(first\+last\)"):
        csvbloom.select(tmp_path / "two.bloom", renamed, key="given")


@pytest.mark.parametrize(
    "py_kwargs, cli_args",
    [
        (dict(key="email"), ["--key", "email"]),  # fpr: the default on both sides (DEDUPE_FPR)
        (dict(key="email", trim=True, lowercase=True, capacity=5000, fpr=0.01), ["--key", "email", "--trim", "--lowercase", "--capacity", 5000, "--fpr", 0.01]),
        (dict(key=["first", 3], threads=1, chunk_size=256), ["--key", "first", "--key", 3, "-j", 1, "--chunk-size", 256]),
    ],
    ids=["default-fpr", "trim-lower-capacity", "composite-j1"],
)
def test_dedupe_same_bytes_and_stats_as_the_cli(data, cli, py_kwargs, cli_args):
    inputs = [data / "old.csv", data / "new.csv"]
    run_cli(cli, "dedupe", "-q", "-o", data / "cli.csv", "--save", data / "cli.bloom", "--stats-json", data / "cli.json", *cli_args, *inputs)
    s = csvbloom.dedupe(inputs, data / "py.csv", save=data / "py.bloom", **py_kwargs)
    assert (data / "py.csv").read_bytes() == (data / "cli.csv").read_bytes()
    assert (data / "py.bloom").read_bytes() == (data / "cli.bloom").read_bytes()
    expected = timeless(json.loads((data / "cli.json").read_text()))
    got = timeless(s)
    assert got.pop("first_bad_rows") == []
    expected["output"] = got["output"] = None
    assert got == expected
    assert s["rows"] == 1000 and s["rows_written"] + s["duplicates_dropped"] == 1000
    if "fpr" not in py_kwargs:
        assert s["filter"]["target_fpr"] == csvbloom.DEDUPE_FPR


def test_dedupe_from_a_saved_filter(data, cli):
    # Yesterday's run saved its filter; today's starts from it, as --filter does.
    old, new = data / "old.csv", data / "new.csv"
    csvbloom.dedupe(old, data / "day1.csv", key="email", capacity=3000, save=data / "seen1.bloom")
    s = csvbloom.dedupe(new, data / "day2.csv", filter=data / "seen1.bloom", save=data / "seen2.bloom")
    run_cli(cli, "dedupe", "-q", "-o", data / "cli2.csv", "--filter", data / "seen1.bloom", "--save", data / "cli2.bloom", new)
    assert (data / "day2.csv").read_bytes() == (data / "cli2.csv").read_bytes()
    assert (data / "seen2.bloom").read_bytes() == (data / "cli2.bloom").read_bytes()
    assert s["rows_written"] == 300  # rows 300..599 of new.csv; 200..299 were seen on day 1
    # One run over both days: the same rows, the same filter.
    csvbloom.dedupe([old, new], data / "both.csv", key="email", capacity=3000, save=data / "both.bloom")
    assert (data / "both.bloom").read_bytes() == (data / "seen2.bloom").read_bytes()
    both = (data / "both.csv").read_bytes()
    day2 = (data / "day2.csv").read_bytes().split(b"\n", 1)[1]
    assert both == (data / "day1.csv").read_bytes() + day2
    with pytest.raises(csvbloom.InvalidArgumentError, match="capacity: comes from the filter"):
        csvbloom.dedupe(new, filter=data / "seen1.bloom", capacity=10)
    with pytest.raises(csvbloom.InvalidArgumentError, match="trim, lowercase: come from the filter"):
        csvbloom.dedupe(new, filter=data / "seen1.bloom", trim=True)


def test_add_is_one_build_over_old_and_new(data, cli):
    old, new = data / "old.csv", data / "new.csv"
    params = dict(key="email", trim=True, lowercase=True, capacity=2000, fpr=0.001)
    csvbloom.build([old, new], data / "one.bloom", **params)
    before = (data / "seen.bloom").read_bytes()
    s = csvbloom.add(data / "seen.bloom", new, data / "py.bloom", threads=2, chunk_size=128)
    assert (data / "seen.bloom").read_bytes() == before  # output given: the filter is left alone
    assert (data / "py.bloom").read_bytes() == (data / "one.bloom").read_bytes()
    run_cli(cli, "add", "-q", "-o", data / "cli.bloom", "--stats-json", data / "cli.json", data / "seen.bloom", new)
    assert (data / "cli.bloom").read_bytes() == (data / "one.bloom").read_bytes()
    expected = timeless(json.loads((data / "cli.json").read_text()))
    got = timeless(s)
    expected["output"] = got["output"]
    assert got == expected
    assert s["rows"] == 700 and s["filter"]["keys_inserted"] == 1000
    # In place (output None), twice, with other thread counts: the same bytes.
    csvbloom.build(old, data / "acc.bloom", **params)
    half = new.read_text().splitlines()
    (data / "n1.csv").write_text("\n".join(half[:300]) + "\n")
    (data / "n2.csv").write_text("\n".join([half[0]] + half[300:]) + "\n")
    assert csvbloom.add(data / "acc.bloom", data / "n1.csv", threads=1)["output"] == str(data / "acc.bloom")
    csvbloom.add(data / "acc.bloom", data / "n2.csv", threads=3)
    assert (data / "acc.bloom").read_bytes() == (data / "one.bloom").read_bytes()


def test_add_key_rename_and_refusals(tmp_path, cli):
    a = write_people(tmp_path / "a.csv", 100)
    b = tmp_path / "b.csv"
    b.write_text(write_people(tmp_path / "b0.csv", 150).read_text().replace(",email,", ",mail,"))
    csvbloom.build(a, tmp_path / "f.bloom", key="email", capacity=500)
    csvbloom.add(tmp_path / "f.bloom", b, tmp_path / "py.bloom", key="mail")
    run_cli(cli, "add", "-q", "-o", tmp_path / "cli.bloom", "--key", "mail", tmp_path / "f.bloom", b)
    assert (tmp_path / "py.bloom").read_bytes() == (tmp_path / "cli.bloom").read_bytes()
    with pytest.raises(csvbloom.MissingColumnError, match="no column 'email'"):
        csvbloom.add(tmp_path / "f.bloom", b, tmp_path / "x.bloom")
    with pytest.raises(csvbloom.InvalidArgumentError, match="has a key of 1 column"):
        csvbloom.add(tmp_path / "f.bloom", b, tmp_path / "x.bloom", key=["mail", "id"])
    assert not (tmp_path / "x.bloom").exists()


BAD = 'id,first,last,email,city\n1,a,b,c@d,e\n2,a,b,"unterminated,e\n'


@pytest.mark.parametrize("what", ["select", "dedupe", "add", "add-in-place"])
def test_bad_input_raises_and_leaves_outputs_untouched(data, what):
    bad = data / "bad.csv"
    bad.write_text(BAD)
    inputs = [data / "new.csv", bad]
    (data / "out").write_bytes(b"previous output")
    (data / "saved.bloom").write_bytes(b"previous filter")
    seen_before = (data / "seen.bloom").read_bytes()
    listing = sorted(os.listdir(data))
    with pytest.raises(csvbloom.BadCsvError) as e:
        if what == "select":
            csvbloom.select(data / "seen.bloom", inputs, data / "out", absent=True)
        elif what == "dedupe":
            csvbloom.dedupe(inputs, data / "out", key="email", capacity=5000, save=data / "saved.bloom")
        elif what == "add":
            csvbloom.add(data / "seen.bloom", inputs, data / "out")
        else:
            csvbloom.add(data / "seen.bloom", inputs)
    assert (e.value.file, e.value.line) == (str(bad), 3)
    assert isinstance(e.value, ValueError) and str(e.value).startswith(f"{bad}:3")
    assert (data / "out").read_bytes() == b"previous output"
    assert (data / "saved.bloom").read_bytes() == b"previous filter"
    assert (data / "seen.bloom").read_bytes() == seen_before
    assert sorted(os.listdir(data)) == listing  # no temp file left


def test_on_error_skip_reports_bad_rows(data, cli):
    bad = data / "bad.csv"
    bad.write_text(BAD.replace("\n2,", "\n2,x,y,z@w,v\n3,"))
    s = csvbloom.select(data / "seen.bloom", bad, data / "py.csv", absent=True, on_error="skip")
    run_cli(cli, "select", "-q", "--absent", "--on-error", "skip", "-o", data / "cli.csv", data / "seen.bloom", bad)
    assert (data / "py.csv").read_bytes() == (data / "cli.csv").read_bytes() == b"id,first,last,email,city\n1,a,b,c@d,e\n2,x,y,z@w,v\n"
    assert s["bad_rows"] == 1 and s["first_bad_rows"][0]["line"] == 4


def test_bad_arguments(data):
    seen, new = data / "seen.bloom", data / "new.csv"
    with pytest.raises(csvbloom.InvalidArgumentError, match="count=True writes no rows"):
        csvbloom.select(seen, new, data / "o.csv", count=True)
    with pytest.raises(TypeError, match="output: a path, a binary file object"):
        csvbloom.select(seen, new, 42)
    with pytest.raises(csvbloom.IOError, match="absent.bloom"):
        csvbloom.select(data / "absent.bloom", new)
    with pytest.raises(csvbloom.IOError, match="absent.csv"):
        csvbloom.add(seen, data / "absent.csv")
    with pytest.raises(csvbloom.InvalidArgumentError, match="fpr"):
        csvbloom.dedupe(new, fpr=0.9)
    with pytest.raises(csvbloom.InvalidArgumentError, match="a directory"):
        csvbloom.dedupe(new, data)
    assert not (data / "o.csv").exists()


def test_a_failing_file_object_stops_the_run(data):
    class Full:
        def write(self, b):
            raise OSError(28, "No space left on device")

    with pytest.raises(OSError, match="No space left"):
        csvbloom.select(data / "seen.bloom", data / "new.csv", Full())


@pytest.mark.parametrize("what", ["select", "dedupe", "add"])
def test_ctrl_c_cancels_and_leaves_outputs(tmp_path, what):
    # As test_errors.py's build test: the input is a FIFO this test keeps
    # feeding, so the call is certainly running when SIGINT arrives and
    # never ends on its own; only the cancel flag ends it.
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    csvbloom.build(write_people(tmp_path / "p.csv", 10), tmp_path / "f.bloom", capacity=100)
    os.unlink(tmp_path / "p.csv")
    (tmp_path / "out").write_bytes(b"previous output")
    (tmp_path / "saved.bloom").write_bytes(b"previous filter")
    filter_before = (tmp_path / "f.bloom").read_bytes()
    call = {
        "select": f"csvbloom.select({str(tmp_path / 'f.bloom')!r}, {str(fifo)!r}, {str(tmp_path / 'out')!r}, absent=True, threads=1, chunk_size=65536)",
        "dedupe": f"csvbloom.dedupe({str(fifo)!r}, {str(tmp_path / 'out')!r}, capacity=1000, save={str(tmp_path / 'saved.bloom')!r}, threads=1, chunk_size=65536)",
        "add": f"csvbloom.add({str(tmp_path / 'f.bloom')!r}, {str(fifo)!r}, threads=1, chunk_size=65536)",
    }[what]
    row = b"".join(b"%d,f,l,key%08d,c\n" % (i, i) for i in range(10000))
    assert interrupt_while_feeding(fifo, call, b"id,first,last,email,city\n", row) == 42
    assert (tmp_path / "out").read_bytes() == b"previous output"
    assert (tmp_path / "saved.bloom").read_bytes() == b"previous filter"
    assert (tmp_path / "f.bloom").read_bytes() == filter_before
    assert sorted(os.listdir(tmp_path)) == ["f.bloom", "in.csv", "out", "saved.bloom"]


@pytest.mark.parametrize("name", ["build", "merge", "select", "dedupe", "add"])
def test_stubs_match_the_module(name):
    # The .pyi is written by hand: its parameters (names, order, keyword-only
    # marker, defaults) must be the extension's, as pybind11's docstring gives them.
    import ast
    import pathlib
    import re

    stub = pathlib.Path(csvbloom.__file__).with_name("__init__.pyi").read_text()
    fn = next(n for n in ast.parse(stub).body if isinstance(n, ast.FunctionDef) and n.name == name)
    a = fn.args
    want = [p.arg for p in a.args] + (["*"] if a.kwonlyargs else []) + [p.arg for p in a.kwonlyargs]
    defaults = {p.arg: d for p, d in zip(a.args[len(a.args) - len(a.defaults):], a.defaults)}
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
    sig = getattr(csvbloom, name).__doc__.splitlines()[0]
    params = re.match(rf"{name}\((.*)\) ->", sig).group(1).split(", ")
    got = [p.split(":")[0] for p in params]
    assert got == want
    for p in params:
        if " = " in p:
            pname, default = p.split(":")[0], p.split(" = ", 1)[1]
            stub_default = defaults[pname]
            if isinstance(stub_default, ast.Constant) and stub_default.value is not ...:
                assert repr(stub_default.value) == default or str(stub_default.value) == default, pname
