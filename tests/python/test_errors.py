"""Bad input raises the documented csvbloom.Error subclass, never crashes."""
import os
import signal

import numpy as np
import pytest

import csvbloom
from conftest import interrupt_while_feeding, write_people


@pytest.fixture
def people_filter(tmp_path):
    data = write_people(tmp_path / "people.csv", 50)
    csvbloom.build(data, tmp_path / "one.bloom", key="email", capacity=100)
    csvbloom.build(data, tmp_path / "two.bloom", key=["first", "last"], capacity=100)
    return tmp_path


def test_missing_files(tmp_path):
    with pytest.raises(csvbloom.IOError) as e:
        csvbloom.Filter.open(tmp_path / "absent.bloom")
    assert isinstance(e.value, OSError) and isinstance(e.value, csvbloom.Error)
    assert e.value.file == str(tmp_path / "absent.bloom")
    assert "No such file" in str(e.value)
    with pytest.raises(csvbloom.IOError, match="absent.csv"):
        csvbloom.build(tmp_path / "absent.csv", tmp_path / "out.bloom", capacity=10)
    assert not (tmp_path / "out.bloom").exists()


def test_corrupt_filter(people_filter):
    good = (people_filter / "one.bloom").read_bytes()
    bad = bytearray(good)
    bad[len(bad) // 2] ^= 0x40  # a bit flipped in the bit array: the checksum fails
    (people_filter / "bad.bloom").write_bytes(bytes(bad))
    with pytest.raises(csvbloom.CorruptFilterError, match="checksum") as e:
        csvbloom.Filter.open(people_filter / "bad.bloom")
    assert e.value.kind == "corrupt_filter" and isinstance(e.value, ValueError)
    (people_filter / "short.bloom").write_bytes(good[:40])
    with pytest.raises(csvbloom.CorruptFilterError):
        csvbloom.Filter.open(people_filter / "short.bloom")
    with pytest.raises(csvbloom.CorruptFilterError):
        csvbloom.merge(people_filter / "m.bloom", [people_filter / "one.bloom", people_filter / "short.bloom"])
    assert not (people_filter / "m.bloom").exists()


def test_wrong_key_arity(people_filter):
    two = csvbloom.Filter.open(people_filter / "two.bloom")
    with pytest.raises(csvbloom.InvalidArgumentError, match=r"exactly 2 fields \(first\+last\), got 3"):
        two.contains(("a", "b", "c"))
    with pytest.raises(csvbloom.InvalidArgumentError, match=r"key 1: .*exactly 2 fields"):
        two.contains_many([("First0", "Last0"), ("x",)])
    with pytest.raises(csvbloom.InvalidArgumentError, match=r"key 1: .*2 fields in one CSV row"):
        two.contains_many(np.array(["First0,Last0", "no comma here"]))
    one = csvbloom.Filter.open(people_filter / "one.bloom")
    with pytest.raises(csvbloom.InvalidArgumentError, match="exactly 1 field"):
        one.contains(("a", "b"))


def test_wrong_key_type(people_filter):
    one = csvbloom.Filter.open(people_filter / "one.bloom")
    with pytest.raises(TypeError, match="key 0 is int, not str or bytes"):
        one.contains(42)
    with pytest.raises(TypeError, match="key 2 is NoneType"):
        one.contains_many(["a", "b", None])
    with pytest.raises(TypeError, match="dropna"):
        import pandas as pd
        one.contains_many(pd.Series(["a", float("nan")]))
    with pytest.raises(TypeError, match="dtype int64"):
        one.contains_many(np.arange(3, dtype=np.int64))
    with pytest.raises(TypeError, match="not one key"):
        one.contains_many("abc")
    two = csvbloom.Filter.open(people_filter / "two.bloom")
    with pytest.raises(TypeError, match="field 1 of the tuple is int"):
        two.contains(("a", 1))
    with pytest.raises(TypeError):
        csvbloom.build(people_filter / "people.csv", people_filter / "x.bloom", key=1.5)


def test_bad_csv_names_file_and_line(tmp_path):
    data = tmp_path / "bad.csv"
    data.write_text('k,v\na,1\nb,2\n"c,3\n')
    (tmp_path / "out.bloom").write_bytes(b"previous")
    with pytest.raises(csvbloom.BadCsvError) as e:
        csvbloom.build(data, tmp_path / "out.bloom", capacity=10)
    assert e.value.file == str(data) and e.value.line == 4
    assert str(e.value).startswith(f"{data}:4")
    assert (tmp_path / "out.bloom").read_bytes() == b"previous"
    assert sorted(os.listdir(tmp_path)) == ["bad.csv", "out.bloom"]  # no temp file left


def test_missing_column_and_bad_options(tmp_path):
    data = write_people(tmp_path / "p.csv", 5)
    with pytest.raises(csvbloom.MissingColumnError, match="no column 'mail'"):
        csvbloom.build(data, tmp_path / "o.bloom", key="mail")
    with pytest.raises(csvbloom.InvalidArgumentError, match="fpr"):
        csvbloom.build(data, tmp_path / "o.bloom", fpr=1.5)
    with pytest.raises(csvbloom.InvalidArgumentError, match="a directory"):
        csvbloom.build(data, tmp_path, capacity=10)
    with pytest.raises(csvbloom.InvalidArgumentError, match="needs hashes"):
        csvbloom.build(data, tmp_path / "o.bloom", bits=1000)
    with pytest.raises(csvbloom.InvalidArgumentError, match="no_header"):
        csvbloom.build(data, tmp_path / "o.bloom", key="email", no_header=True)
    assert not (tmp_path / "o.bloom").exists()


def test_no_output_over_an_input_or_another_output(people_filter):
    # Each call below returned before 2026-12-05 (commit 234760c), with a file
    # destroyed (the CSV turned into a filter, the filter into rows) or one of
    # two outputs lost.
    t = people_filter
    data, one = t / "people.csv", t / "one.bloom"
    before = {p: p.read_bytes() for p in (data, one)}
    with pytest.raises(csvbloom.InvalidArgumentError, match="output: .* is also an input"):
        csvbloom.build(data, data, key="email", capacity=100)
    with pytest.raises(csvbloom.InvalidArgumentError, match="output: .* is also an input"):
        csvbloom.add(one, data, output=data)
    with pytest.raises(csvbloom.InvalidArgumentError, match="save: .* is also an input"):
        csvbloom.dedupe(data, key="email", capacity=100, save=data)
    with pytest.raises(csvbloom.InvalidArgumentError, match="save: .* is also output"):
        csvbloom.dedupe(data, t / "rows.csv", key="email", capacity=100, save=t / "." / "rows.csv")
    with pytest.raises(csvbloom.InvalidArgumentError, match="output: .* is also the filter"):
        csvbloom.dedupe(data, one, filter=one)
    with pytest.raises(csvbloom.InvalidArgumentError, match="output: .* is also the filter"):
        csvbloom.select(one, data, one)
    assert {p: p.read_bytes() for p in (data, one)} == before
    assert not (t / "rows.csv").exists()
    # Still allowed: rows in place, add in place, save= over filter=.
    csvbloom.select(one, data, data)
    assert data.read_bytes() == before[data]  # every row's key is in the filter
    csvbloom.add(one, data)
    csvbloom.dedupe(data, t / "rows.csv", filter=one, save=one)


def test_errors_pickle():
    import pickle
    e = csvbloom._errors._make("BadCsvError", "f.csv:3: bad", "bad", "f.csv", 3, None)
    e2 = pickle.loads(pickle.dumps(e))
    assert type(e2) is csvbloom.BadCsvError and (e2.file, e2.line, str(e2)) == ("f.csv", 3, "f.csv:3: bad")


def test_ctrl_c_cancels_and_leaves_the_old_output(tmp_path):
    # The build reads a FIFO that this test keeps feeding, so it is certainly
    # inside csvbloom.build when SIGINT arrives (the pipe's 64 KiB and one
    # chunk can't hold what was written before the signal), and it never
    # finishes on its own: only the cancel flag ends it.
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    out = tmp_path / "out.bloom"
    out.write_bytes(b"the previous filter")
    call = f"csvbloom.build({str(fifo)!r}, {str(out)!r}, capacity=1000, threads=1, chunk_size=65536)"
    row = b"".join(b"key%08d,value\n" % i for i in range(10000))
    assert interrupt_while_feeding(fifo, call, b"k,v\n", row) == 42
    assert out.read_bytes() == b"the previous filter"
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.bloom"]


def test_one_key_as_a_bad_csv_row(people_filter):
    # A str for a composite filter is one CSV row: a row of the wrong arity is
    # an error for `in` too, not a silent False.
    two = csvbloom.Filter.open(people_filter / "two.bloom")
    with pytest.raises(csvbloom.InvalidArgumentError, match="2 fields in one CSV row"):
        "First0" in two
    assert "First0,Last0" in two


def test_a_fifo_needs_a_capacity(tmp_path):
    # Sizing from the inputs would read the FIFO: refused before any read, as the CLI does.
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    with pytest.raises(csvbloom.InvalidArgumentError, match="capacity: is required when an input is a FIFO"):
        csvbloom.build(fifo, tmp_path / "o.bloom")
    with pytest.raises(TypeError, match="workers: an int"):
        csvbloom.build(fifo, tmp_path / "o.bloom", capacity=10, workers="2")
