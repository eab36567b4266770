"""The Dask recipe (examples/python/dask_shards.py, docs/PYTHON.md) on a local
distributed cluster: its merged filter is byte-identical to one build."""
import sys

import pytest

import csvbloom
from conftest import SOURCE_DIR, write_people

distributed = pytest.importorskip("distributed")
sys.path.insert(0, str(SOURCE_DIR / "examples" / "python"))
from dask_shards import build_sharded  # noqa: E402


def test_dask_recipe_matches_one_build(tmp_path):
    files = [write_people(tmp_path / f"part-{i:02d}.csv", 200 + 13 * i) for i in range(7)]
    options = dict(key=["first", "email"], trim=True, capacity=10_000, fpr=0.001)
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            rows = build_sharded(client, files, tmp_path / "sharded.bloom", parts=3, **options)
    csvbloom.build(files, tmp_path / "one.bloom", **options)
    assert rows == sum(200 + 13 * i for i in range(7))
    assert (tmp_path / "sharded.bloom").read_bytes() == (tmp_path / "one.bloom").read_bytes()
    assert not list(tmp_path.glob("*.shard-*"))
