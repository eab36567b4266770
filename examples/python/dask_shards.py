"""Build one filter over many CSV files on a Dask `distributed` cluster.

The recipe of docs/PYTHON.md ("Dask"): the file list is cut into partitions,
each worker builds one shard with csvbloom.build, and the shards are merged
with csvbloom.merge. Because every shard is sized with the same explicit
capacity and fpr, and a Bloom filter is an OR of its keys, the merged file is
byte-identical to one build over all the files. The workers must see the same
file system (shards are written next to the output).

    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1) as cluster, Client(cluster) as client:
        build_sharded(client, files, "all.bloom", parts=8, key="email", capacity=50_000_000, fpr=0.001)
"""
import os

import csvbloom


def _build_shard(files, shard_path, options):
    # threads=1: the cluster already runs one task per core.
    stats = csvbloom.build(files, shard_path, threads=1, **options)
    return shard_path, stats["rows"]


def build_sharded(client, files, output, parts, **options):
    """Builds `output` from `files` as `parts` shards on `client`'s workers.

    `options` are csvbloom.build's; capacity (or bits and hashes) must be given
    explicitly, since every shard must have the same size. Returns the number
    of rows read. The shards are removed after the merge.
    """
    if options.get("capacity") is None and options.get("bits") is None:
        raise ValueError("give capacity= (or bits=): every shard must be sized alike to merge")
    files = sorted(os.fspath(f) for f in files)
    partitions = [files[i::parts] for i in range(parts) if files[i::parts]]
    shard_paths = [f"{output}.shard-{i:04d}" for i in range(len(partitions))]
    futures = client.map(_build_shard, partitions, shard_paths, [options] * len(partitions), pure=False)
    try:
        results = client.gather(futures)
        csvbloom.merge(output, [path for path, _ in results])
        return sum(rows for _, rows in results)
    finally:
        for path in shard_paths:
            try:
                os.remove(path)
            except FileNotFoundError:
                pass
