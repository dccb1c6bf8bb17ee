#!/usr/bin/env python3
"""The tenant benchmark run on Qdrant's own engine (qdrant-edge-py), one shard per tenant.

Same work as `tenantbench`: N tenants, each one shard with one 384-d Cosine vector space and
100 points (random vectors, payload {"n", "tenant"}). Prints `name value unit` lines.

    python3 qdrant_edge_bench.py all <dir> <tenants> [--load-all-cap K]

Qdrant Edge has no registry or lazy open of its own: a server built on it either loads every
shard at start (measured as `serve_all`, capped at K shards when N is large) or opens shards on
demand like vecd does (measured as `serve_lazy`).
"""
import os
import random
import shutil
import subprocess
import sys
import time

import qdrant_edge as q

DIMENSION = 384
POINTS = 100


def report(name, value, unit):
    print(f"{name} {value:.3f} {unit}", flush=True)


def rss_kb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def config():
    # One search thread per shard: the default (CPU count) would start a pool per shard.
    return q.EdgeConfig(
        vectors=q.EdgeVectorParams(size=DIMENSION, distance=q.Distance.Cosine),
        max_search_threads=1,
    )


def shard_path(directory, index):
    return os.path.join(directory, f"tenant{index}")


def query_vector(seed=7):
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in range(DIMENSION)]


def search(shard, vector):
    return shard.query(q.QueryRequest(limit=10, query=q.Query.Nearest(vector), with_payload=False))


def create(directory, count):
    rng = random.Random(42)
    os.makedirs(directory, exist_ok=True)
    create_time = upsert_time = close_time = 0.0
    start = time.perf_counter()
    for index in range(count):
        mark = time.perf_counter()
        shard = q.EdgeShard.create(shard_path(directory, index), config())
        create_time += time.perf_counter() - mark
        points = [
            q.Point(i, [rng.uniform(-1, 1) for _ in range(DIMENSION)], {"n": i, "tenant": f"tenant{index}"})
            for i in range(POINTS)
        ]
        mark = time.perf_counter()
        shard.update(q.UpdateOperation.upsert_points(points))
        upsert_time += time.perf_counter() - mark
        mark = time.perf_counter()
        shard.flush()
        shard.close()
        close_time += time.perf_counter() - mark
        if index and index % 1000 == 0:
            print(f"created {index}", file=sys.stderr, flush=True)
    total = time.perf_counter() - start
    report("create.shard_create_ms", create_time / count * 1000, "ms/tenant")
    report("create.upsert_100_ms", upsert_time / count * 1000, "ms/tenant")
    report("create.flush_close_ms", close_time / count * 1000, "ms/tenant")
    report("create.total_per_tenant_ms", total / count * 1000, "ms/tenant")
    report("create.total_s", total, "s")


def serve_all(directory, count):
    """Load every shard (as a Qdrant node does at start), then query."""
    before = rss_kb()
    start = time.perf_counter()
    shards = [q.EdgeShard.load(shard_path(directory, index)) for index in range(count)]
    vector = query_vector()
    assert len(search(shards[count // 2], vector)) == 10
    report("serve_all.load_all_and_first_query_ms", (time.perf_counter() - start) * 1000, "ms")
    print("READY", flush=True)
    loaded = rss_kb()
    report("serve_all.rss_per_loaded_idle_shard_kb", (loaded - before) / count, "KB/tenant")
    sample = min(200, count)
    mark = time.perf_counter()
    for shard in shards[:sample]:
        search(shard, vector)
    report("serve_all.first_query_ms", (time.perf_counter() - mark) / sample * 1000, "ms/tenant")
    report("serve_all.rss_per_shard_after_one_query_kb", (rss_kb() - before) / count, "KB/tenant")
    for shard in shards:
        search(shard, vector)
    report("serve_all.rss_after_querying_all_kb", rss_kb(), "KB")
    report("serve_all.rss_per_shard_after_querying_all_kb", (rss_kb() - before) / count, "KB/tenant")
    for shard in shards:
        shard.close()


def serve_lazy(directory, count):
    """Open one shard on demand and answer: the start-up a lazy design gets."""
    start = time.perf_counter()
    shard = q.EdgeShard.load(shard_path(directory, count // 2))
    assert len(search(shard, query_vector())) == 10
    report("serve_lazy.open_and_first_query_ms", (time.perf_counter() - start) * 1000, "ms")
    print("READY", flush=True)
    shard.close()


def delete(directory, count, sample=200):
    """Open, close and remove the directory of the last `sample` shards."""
    times = []
    for index in range(count - 1, max(count - 1 - sample, -1), -1):
        path = shard_path(directory, index)
        shard = q.EdgeShard.load(path)
        search(shard, query_vector())
        mark = time.perf_counter()
        shard.close()
        shutil.rmtree(path)
        times.append((time.perf_counter() - mark) * 1000)
    times.sort()
    report("delete.median_ms", times[len(times) // 2], "ms")
    report("delete.p95_ms", times[min(len(times) - 1, len(times) * 95 // 100)], "ms")
    report("delete.max_ms", times[-1], "ms")


def du_kb(path):
    output = subprocess.run(["du", "-sk", path], capture_output=True, text=True).stdout
    return int(output.split()[0])


def run_child(arguments, ready_name=None):
    spawned = time.perf_counter()
    child = subprocess.Popen([sys.executable, __file__] + arguments, stdout=subprocess.PIPE, text=True)
    for line in child.stdout:
        line = line.rstrip("\n")
        if line == "READY":
            if ready_name:
                report(ready_name, (time.perf_counter() - spawned) * 1000, "ms")
        else:
            print(line, flush=True)
    if child.wait() != 0:
        raise SystemExit(f"child {arguments} failed")


def main():
    mode, directory, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    cap = count
    if "--load-all-cap" in sys.argv:
        cap = min(count, int(sys.argv[sys.argv.index("--load-all-cap") + 1]))
    if mode == "create":
        create(directory, count)
    elif mode == "serve_all":
        serve_all(directory, count)
    elif mode == "serve_lazy":
        serve_lazy(directory, count)
    elif mode == "delete":
        delete(directory, count)
    elif mode == "all":
        report("tenants", count, "tenants")
        run_child(["create", directory, str(count)])
        disk = du_kb(directory)
        report("disk.per_tenant_kb", disk / count, "KB/tenant")
        run_child(["serve_lazy", directory, str(count)], "serve_lazy.spawn_to_first_query_ms")
        report("serve_all.shards_loaded", cap, "shards")
        run_child(["serve_all", directory, str(cap)], "serve_all.spawn_to_first_query_ms")
        run_child(["delete", directory, str(count)])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
