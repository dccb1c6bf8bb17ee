#!/usr/bin/env python3
"""Turns bench/out/raw.jsonl into the Markdown tables of RESULTS.md.

Per (model, case, threads, engine): the best batch over all rounds and the median of the rounds'
medians (wall clock: other work on this shared machine only ever adds time, so the best batch
is the least disturbed); GFLOP/s of the best batch and its fraction of OpenBLAS's own best sgemm
rate at the same thread count; and the CPU time per batch (median over rounds) with the GFLOP
per CPU-second it implies, which contention barely moves and so compares engines' work most
fairly (with 2 threads it also counts time spent spinning while waiting). The spread: the
CPU time's min-max over rounds, and the ratio to ONNX Runtime taken round by round (the
engines of one round run back to back, so a round's pair saw the same machine) as
median [min-max].
"""
import json, statistics, sys
from collections import defaultdict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip().startswith("{")]
peak = defaultdict(float)
for r in rows:
    if r.get("engine") == "openblas-sgemm":
        peak[r["threads"]] = max(peak[r["threads"]], r["sgemm_peak_gflops"])
groups = defaultdict(list)
for r in rows:
    if "case" in r and "sentences_per_s_best" in r:
        groups[(r["model"], r["case"], r["threads"], r["engine"])].append(r)
order = {"short": 0, "medium": 1, "long": 2}
print("OpenBLAS sgemm peak (2048³, best of 8 per round): "
      + ", ".join(f"{t} thread(s): {int(p)} GFLOP/s" for t, p in sorted(peak.items())))
for model in sorted({k[0] for k in groups}):
    print(f"\n#### {model}\n")
    print("| case | threads | engine | sentences/s best | sentences/s median | GFLOP/s best "
          "| of sgemm peak | vs ORT (best) | CPU ms/batch | CPU ms min-max | GFLOP per CPU-s "
          "| vs ORT (CPU) | vs ORT (CPU) per round |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    keys = sorted((k for k in groups if k[0] == model),
                  key=lambda k: (order.get(k[1], 9), k[2], not k[3].startswith("vecd"), k[3]))
    for key in keys:
        _, case, threads, engine = key
        rs = groups[key]
        best = max(r["sentences_per_s_best"] for r in rs)
        median = statistics.median(r["sentences_per_s_median"] for r in rs)
        gflops = max(r["gflops_best"] for r in rs)
        ort = [max(r["sentences_per_s_best"] for r in v) for k, v in groups.items()
               if k[:3] == key[:3] and k[3].startswith("onnxruntime")]
        ratio = f"{best / ort[0]:.2f}×" if ort else "—"
        frac = f"{gflops / peak[threads]:.0%}" if peak.get(threads) else "—"
        tokens = rs[0]["tokens"]
        cpu = statistics.median(r["cpu_ms_per_batch"] for r in rs)
        # Work per batch; older raw files lack the field, so derive it from the best batch.
        work = rs[0].get("gflop_per_batch") or \
            rs[0]["gflops_best"] * rs[0]["batch"] / rs[0]["sentences_per_s_best"]
        per_cpu = f"{work / (cpu / 1000):.0f}" if work else "—"
        ort_cpu = [statistics.median(r["cpu_ms_per_batch"] for r in v) for k, v in groups.items()
                   if k[:3] == key[:3] and k[3].startswith("onnxruntime")]
        cpu_ratio = f"{ort_cpu[0] / cpu:.2f}×" if ort_cpu else "—"
        cpus = [r["cpu_ms_per_batch"] for r in rs]
        spread = f"{min(cpus)}-{max(cpus)}"
        # Round i of this engine against round i of ORT (rows are in run order).
        ort_rows = [v for k, v in groups.items()
                    if k[:3] == key[:3] and k[3].startswith("onnxruntime")]
        pairs = [o["cpu_ms_per_batch"] / r["cpu_ms_per_batch"]
                 for r, o in zip(rs, ort_rows[0])] if ort_rows else []
        per_round = (f"{statistics.median(pairs):.2f}× [{min(pairs):.2f}-{max(pairs):.2f}]"
                     if pairs else "—")
        print(f"| {case} ({tokens} tok × {rs[0]['batch']}) | {threads} | {engine} | {best:g} | "
              f"{median:g} | {gflops} | {frac} | {ratio} | {cpu:g} | {spread} | {per_cpu} | "
              f"{cpu_ratio} | {per_round} |")
