#!/usr/bin/env python3
"""ANN benchmark: vecd's HNSWGraph (via vecbench) against hnswlib, faiss HNSW and Qdrant's own
engine (qdrant-edge-py), and vecd's VectorStore (via filterbench) against qdrant-edge-py with
and without payload filters.

Every engine builds with the same M and ef_construction on one thread, then answers the same
queries one thread at a time at several ef; recall@k is measured against exact neighbours
computed here with numpy. Each engine runs in its own process so peak RSS is its own (it
includes the process's copy of the dataset and, for the peers, the Python interpreter).

Usage: bench/ann/run [--input base.npy [--queries q.npy]] [--n 100000] [--dim 384] ...
Without --input it makes clustered random unit vectors (a stand-in for sentence embeddings).

Engines: hnswlib, faiss, vecd (the bare graph), qdrant (qdrant-edge-py: one shard, one
segment, integer payload indexes on b100 = id % 100 and b10 = id % 10 created before the
points, so its HNSW build includes Qdrant's payload-aware links), vecd-store (VectorStore in
process: RocksDB, the same payload indexes, the collection's search planner). The two stores
also answer filtered queries (b100 == 0: 1% of points; b10 == 0: 10%) against exact filtered
neighbours.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--input", help="base vectors (.npy float32, n x d); queries split off its end")
    p.add_argument("--queries", help="query vectors (.npy); default: held out from --input")
    p.add_argument("--n", type=int, default=100_000, help="base vectors to generate")
    p.add_argument("--dim", type=int, default=384)
    p.add_argument("--nq", type=int, default=1_000, help="queries")
    p.add_argument("--clusters", type=int, default=1_000)
    p.add_argument("--spread", type=float, default=1.2,
                   help="noise around each centre, per component (centres are N(0, 1))")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=100)
    p.add_argument("--efs", default="16,32,64,128,256")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--engines", default="hnswlib,faiss,vecd,qdrant,vecd-store")
    p.add_argument("--parallel", type=int, default=1,
                   help="engines run at once (QPS is CPU time, so they do not charge each other)")
    p.add_argument("--reuse", action="store_true", help="reuse the dataset in --workdir")
    p.add_argument("--workdir", default=os.path.join(HERE, "data"))
    p.add_argument("--vecbench", default=os.path.join(ROOT, ".build", "release", "vecbench"))
    p.add_argument("--filterbench",
                   default=os.path.join(ROOT, ".build", "release", "filterbench"))
    p.add_argument("--engine", help=argparse.SUPPRESS)  # internal: run one peer in a child
    return p.parse_args(argv)


def normalize(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    return (x / norms).astype(np.float32)


def clustered(n, nq, dim, clusters, spread, seed):
    """Base and query unit vectors around the same `clusters` random centres. The spread is
    comparable to the distance between centres, so neighbourhoods cross cluster borders as
    those of real embeddings do, and exact neighbours are not trivially the cluster mates."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)

    def draw(count):
        labels = rng.integers(0, clusters, count)
        noise = rng.standard_normal((count, dim), dtype=np.float32)
        return normalize(centres[labels] + spread * noise)

    return draw(n), draw(nq)


def exact_neighbours(base, queries, k):
    """Top-k by inner product on unit vectors (= cosine), in chunks to bound memory."""
    out = np.empty((len(queries), k), dtype=np.int64)
    for start in range(0, len(queries), 256):
        scores = queries[start:start + 256] @ base.T
        top = np.argpartition(-scores, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1)
        out[start:start + 256] = np.take_along_axis(top, order, axis=1)
    return out


# Filtered cases: payload field, its modulus (field = id % modulus) and the value matched.
# name -> (payload field, modulus: the filter `field == 0` keeps 1 / modulus of the points,
# whether the field has a payload index). The unindexed filter makes both stores read payloads.
FILTERS = {"1%": ("b100", 100, True), "10%": ("b10", 10, True),
           "10% unindexed": ("u10", 10, False)}


def truth_name(modulus):
    return "truth_" + str(100 // modulus)


def dataset_paths(workdir):
    names = ("base", "queries", "truth", "truth_1", "truth_10")
    return {name: os.path.join(workdir, name + ".npy") for name in names}


def filtered_truth(base, queries, modulus, k):
    """Exact neighbours among the points with id % modulus == 0, as ids into `base`."""
    ids = np.flatnonzero(np.arange(len(base)) % modulus == 0)
    return ids[exact_neighbours(base[ids], queries, k)]


def prepare(args):
    os.makedirs(args.workdir, exist_ok=True)
    if args.input:
        base = normalize(np.load(args.input).astype(np.float32))
        if args.queries:
            queries = normalize(np.load(args.queries).astype(np.float32))
        else:
            base, queries = base[:-args.nq], base[-args.nq:]
    else:
        base, queries = clustered(args.n, args.nq, args.dim, args.clusters, args.spread, seed=1)
    truth = exact_neighbours(base, queries, args.k)
    paths = dataset_paths(args.workdir)
    np.save(paths["base"], base)
    np.save(paths["queries"], queries)
    np.save(paths["truth"], truth)
    for modulus in sorted({modulus for _, modulus, _ in FILTERS.values()}):
        np.save(paths[truth_name(modulus)], filtered_truth(base, queries, modulus, args.k))
    return paths, base.shape


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def recall(found, truth, k):
    hits = sum(len(set(f[:k]) & set(t[:k])) for f, t in zip(found, truth))
    return hits / (len(truth) * k)


def run_report(ef, labels, truth, k, cpu_start, wall_start):
    """One ef's row. QPS is over CPU time (the machine is shared, so wall time would count
    other processes' turns on the cores); wall_qps is kept for reference."""
    cpu, wall = time.process_time() - cpu_start, time.perf_counter() - wall_start
    return {"ef": ef, "recall": recall(labels, truth, k), "qps": len(truth) / cpu,
            "wall_qps": len(truth) / wall}


def run_peer(args):
    """Runs in a child process: builds one peer index and prints its JSON report."""
    base = np.load(os.path.join(args.workdir, "base.npy"))
    queries = np.load(os.path.join(args.workdir, "queries.npy"))
    truth = np.load(os.path.join(args.workdir, "truth.npy"))
    efs = [int(e) for e in args.efs.split(",")]
    n, dim = base.shape
    runs = []
    if args.engine == "hnswlib":
        import hnswlib
        index = hnswlib.Index(space="cosine", dim=dim)
        index.init_index(max_elements=n, ef_construction=args.ef_construction, M=args.m,
                         random_seed=100)
        index.set_num_threads(1)
        start = time.process_time()
        index.add_items(base, np.arange(n), num_threads=1)
        build = time.process_time() - start
        for ef in efs:
            index.set_ef(ef)
            start, wall = time.process_time(), time.perf_counter()
            labels, _ = index.knn_query(queries, k=args.k, num_threads=1)
            runs.append(run_report(ef, labels, truth, args.k, start, wall))
    elif args.engine == "faiss":
        import faiss
        faiss.omp_set_num_threads(1)
        index = faiss.IndexHNSWFlat(dim, args.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = args.ef_construction
        start = time.process_time()
        index.add(base)
        build = time.process_time() - start
        for ef in efs:
            index.hnsw.efSearch = ef
            start, wall = time.process_time(), time.perf_counter()
            _, labels = index.search(queries, args.k)
            runs.append(run_report(ef, labels, truth, args.k, start, wall))
    elif args.engine == "qdrant":
        build, runs, filtered = run_qdrant(args, base, queries, truth, efs)
        print(json.dumps({"engine": args.engine, "n": n, "dimension": dim, "build_seconds": build,
                          "peak_rss_mib": peak_rss_mib(), "runs": runs,
                          "filtered_runs": filtered}))
        return
    else:
        raise SystemExit("unknown engine " + args.engine)
    print(json.dumps({"engine": args.engine, "n": n, "dimension": dim, "build_seconds": build,
                      "peak_rss_mib": peak_rss_mib(), "runs": runs}))


def run_qdrant(args, base, queries, truth, efs):
    """Qdrant's engine in process: one shard whose points all land in one HNSW segment (as the
    single graph of the other engines), built and searched on one thread. Build time is the
    CPU time inside the shard's calls (payload index creation, upserts, and `optimize()`,
    which builds the HNSW graph); converting numpy rows to Python lists is left out."""
    import shutil
    import qdrant_edge as q
    n, dim = base.shape
    path = os.path.join(args.workdir, "qdrant-shard")
    shutil.rmtree(path, ignore_errors=True)
    config = q.EdgeConfig(
        vectors=q.EdgeVectorParams(size=dim, distance=q.Distance.Cosine),
        hnsw_config=q.HnswIndexConfig(m=args.m, ef_construct=args.ef_construction,
                                      full_scan_threshold=10_000, max_indexing_threads=1),
        # One segment of every point (no size cap), HNSW-indexed whatever its size by the
        # optimize() call after the last upsert (Edge runs no background optimizer).
        optimizers=q.EdgeOptimizersConfig(default_segment_number=1, max_segment_size=100_000_000,
                                         indexing_threshold=1),
        max_search_threads=1,
        wal_enabled=False,
    )
    shard = q.EdgeShard.create(path, config)
    build = 0.0
    start = time.process_time()
    for field, _, indexed in FILTERS.values():
        if indexed:
            shard.update(
                q.UpdateOperation.create_field_index(field, q.PayloadSchemaType.Integer))
    build += time.process_time() - start
    for first in range(0, n, 1000):
        points = [q.Point(i, base[i].tolist(), {field: i % modulus
                                               for field, modulus, _ in FILTERS.values()})
                  for i in range(first, min(first + 1000, n))]
        start = time.process_time()
        shard.update(q.UpdateOperation.upsert_points(points))
        build += time.process_time() - start
    start = time.process_time()
    shard.optimize()
    build += time.process_time() - start
    info = shard.info()
    if info.points_count != n or info.indexed_vectors_count != n:
        raise SystemExit(f"qdrant: {info.points_count} points, {info.indexed_vectors_count} "
                         f"indexed of {n}: indexing did not complete")
    query_lists = [v.tolist() for v in queries]

    def measure(ef, expected, filt):
        params = q.SearchParams(hnsw_ef=ef, exact=False)
        start, wall = time.process_time(), time.perf_counter()
        labels = [[p.id for p in shard.query(q.QueryRequest(
            limit=args.k, query=q.Query.Nearest(v), filter=filt, params=params,
            with_payload=False))] for v in query_lists]
        return run_report(ef, labels, expected, args.k, start, wall)

    runs = [measure(ef, truth, None) for ef in efs]
    filtered = []
    for name, (field, modulus, _) in FILTERS.items():
        expected = np.load(os.path.join(args.workdir, truth_name(modulus) + ".npy"))
        condition = q.Filter(must=[q.FieldCondition(key=field, match=q.MatchValue(0))])
        filtered += [dict(measure(ef, expected, condition), filter=name) for ef in efs]
    shard.close()
    return build, runs, filtered


def run_engine(engine, args, paths):
    if engine == "vecd":
        command = [args.vecbench, "--base", paths["base"], "--queries", paths["queries"],
                   "--truth", paths["truth"], "--distance", "Cosine", "--m", str(args.m),
                   "--ef-construction", str(args.ef_construction), "--ef", args.efs,
                   "--k", str(args.k)]
    elif engine == "vecd-store":
        command = [args.filterbench, "--base", paths["base"], "--queries", paths["queries"],
                   "--truth", paths["truth"], "--truth-1", paths["truth_1"],
                   "--truth-10", paths["truth_10"], "--dir", os.path.join(args.workdir, "store"),
                   "--m", str(args.m), "--ef-construction", str(args.ef_construction),
                   "--ef", args.efs, "--k", str(args.k)]
    else:
        command = [sys.executable, os.path.abspath(__file__), "--engine", engine,
                   "--workdir", args.workdir, "--m", str(args.m),
                   "--ef-construction", str(args.ef_construction), "--efs", args.efs,
                   "--k", str(args.k)]
    print("running", engine, "...", file=sys.stderr, flush=True)
    output = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout
    report = json.loads(output.strip().splitlines()[-1])
    report["engine"] = engine
    if engine == "vecd-store":
        runs = report["runs"]
        report["runs"] = [r for r in runs if r["filter"] == "none"]
        report["filtered_runs"] = [r for r in runs if r["filter"] != "none"]
    print("done", engine, file=sys.stderr, flush=True)
    return report


def qps_at_recall(report, floor):
    """QPS of the cheapest ef whose recall reaches `floor`, or None."""
    passing = [r for r in report["runs"] if r["recall"] >= floor]
    return max(passing, key=lambda r: r["qps"]) if passing else None


def table(reports, args, shape):
    lines = [f"n = {shape[0]}, dim = {shape[1]}, M = {args.m}, ef_construction = "
             f"{args.ef_construction}, k = {args.k}, single thread, cosine", ""]
    lines.append("| engine | build s | peak RSS MiB | " + " | ".join(
        f"ef {r['ef']} recall / QPS" for r in reports[0]["runs"]) + " |")
    lines.append("|---" * (3 + len(reports[0]["runs"])) + "|")
    for rep in reports:
        cells = [f"{r['recall']:.3f} / {r['qps']:.0f}" for r in rep["runs"]]
        lines.append(f"| {rep['engine']} | {rep['build_seconds']:.1f} | "
                     f"{rep['peak_rss_mib']:.0f} | " + " | ".join(cells) + " |")
    ours = next((r for r in reports if r["engine"] == "vecd"), None)
    if ours and len(reports) > 1:
        lines += ["", "| vecd vs peer | build time ratio (lower is better) | "
                  "QPS ratio at recall@10 >= 0.95 | QPS ratio at each ef |", "|---|---|---|---|"]
        mine = qps_at_recall(ours, 0.95)
        for rep in reports:
            if rep is ours or rep["engine"] == "vecd-store":
                continue
            theirs = qps_at_recall(rep, 0.95)
            at_floor = (f"{mine['qps'] / theirs['qps']:.2f} (ef {mine['ef']} vs {theirs['ef']})"
                        if mine and theirs else "n/a")
            per_ef = ", ".join(f"{a['qps'] / b['qps']:.2f}" for a, b in
                               zip(ours["runs"], rep["runs"]))
            lines.append(f"| {rep['engine']} | {ours['build_seconds'] / rep['build_seconds']:.2f}"
                         f" | {at_floor} | {per_ef} |")
    return "\n".join(lines)


def filtered_table(reports, args):
    """Filtered recall@k / QPS per engine and selectivity, and vecd-store vs qdrant ratios."""
    stores = [r for r in reports if r.get("filtered_runs")]
    if not stores:
        return ""
    efs = [int(e) for e in args.efs.split(",")]
    lines = ["| engine | filter | " + " | ".join(f"ef {ef} recall / QPS" for ef in efs) + " |",
             "|---" * (2 + len(efs)) + "|"]
    for rep in stores:
        for name in FILTERS:
            rows = {r["ef"]: r for r in rep["filtered_runs"] if r["filter"] == name}
            cells = [f"{rows[ef]['recall']:.3f} / {rows[ef]['qps']:.0f}" for ef in efs]
            lines.append(f"| {rep['engine']} | {name} | " + " | ".join(cells) + " |")
    byname = {r["engine"]: r for r in stores}
    if "vecd-store" in byname and "qdrant" in byname:
        lines += ["", "| filter | vecd-store / qdrant QPS at each ef | min recall vecd-store, "
                  "qdrant |", "|---|---|---|"]
        for name in FILTERS:
            mine = [r for r in byname["vecd-store"]["filtered_runs"] if r["filter"] == name]
            theirs = [r for r in byname["qdrant"]["filtered_runs"] if r["filter"] == name]
            ratios = ", ".join(f"{a['qps'] / b['qps']:.2f}" for a, b in zip(mine, theirs))
            lines.append(f"| {name} | {ratios} | {min(r['recall'] for r in mine):.3f}, "
                         f"{min(r['recall'] for r in theirs):.3f} |")
    return "\n".join(lines)


def main(argv):
    args = parse_args(argv)
    if args.engine:
        return run_peer(args)
    if args.reuse:
        paths = dataset_paths(args.workdir)
        shape = np.load(paths["base"], mmap_mode="r").shape
    else:
        paths, shape = prepare(args)
    engines = args.engines.split(",")
    if args.parallel > 1:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(args.parallel) as pool:
            reports = list(pool.map(lambda e: run_engine(e, args, paths), engines))
    else:
        reports = [run_engine(e, args, paths) for e in engines]
    with open(os.path.join(args.workdir, "reports.json"), "w") as out:
        json.dump(reports, out, indent=1)
    print(table(reports, args, shape))
    print()
    print(filtered_table(reports, args))


if __name__ == "__main__":
    main(sys.argv[1:])
