#!/usr/bin/env python3
"""Peak RSS of `vecd serve` while one client downloads a large collection snapshot.

Starts the given vecd binary on 127.0.0.1 with a fresh data directory, fills one collection
with points carrying ~1 MiB payloads until the snapshot reaches --megabytes, creates the
snapshot, then resets the server's high-water mark (/proc/PID/clear_refs, "5"), downloads the
snapshot (discarding it) and reads VmHWM. Prints one line of figures; stops the server.

    python3 bench/snapshots/download_rss.py --vecd .build/release/vecd --megabytes 300
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request

ADMIN = "bench-admin-key"


def call(url, method, path, key, body=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    request.add_header("api-key", key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        return json.loads(answer.read())


def memory_kb(pid, field):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vecd", default=".build/release/vecd")
    parser.add_argument("--megabytes", type=int, default=300)
    arguments = parser.parse_args()

    data = tempfile.mkdtemp(prefix="vecd-snapbench-")
    log = open(data + ".log", "w")
    server = subprocess.Popen(
        [arguments.vecd, "serve", "--data-dir", data, "--port", "0", "--host", "127.0.0.1",
         "--admin-key", ADMIN, "--max-body-bytes", str(64 << 20)],
        stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = server.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line).group(0)
        key = call(url, "PUT", "/tenants/bench", ADMIN, {})["result"]["api_key"]
        call(url, "PUT", "/collections/big", key, {"vectors": {"size": 4, "distance": "Cosine"}})
        text = "snapshot download benchmark " * ((1 << 20) // 28)
        points = arguments.megabytes
        for first in range(0, points, 16):
            batch = [{"id": i, "vector": [i % 7, 1, i % 3, 2], "payload": {"blob": f"{i} {text}"}}
                     for i in range(first, min(points, first + 16))]
            call(url, "PUT", "/collections/big/points?wait=true", key, {"points": batch})
        snapshot = call(url, "POST", "/collections/big/snapshots", key)["result"]
        with open(f"/proc/{server.pid}/clear_refs", "w") as refs:
            refs.write("5")
        before = memory_kb(server.pid, "VmRSS")
        started = time.time()
        request = urllib.request.Request(
            url + "/collections/big/snapshots/" + snapshot["name"], headers={"api-key": key})
        received = 0
        with urllib.request.urlopen(request, timeout=600) as answer:
            while chunk := answer.read(1 << 20):
                received += len(chunk)
        seconds = time.time() - started
        peak = memory_kb(server.pid, "VmHWM")
        assert received == snapshot["size"], (received, snapshot["size"])
        print(f"snapshot {snapshot['size'] / 1e6:.0f} MB downloaded in {seconds:.2f} s; "
              f"server RSS before {before / 1024:.0f} MiB, peak during download "
              f"{peak / 1024:.0f} MiB (+{(peak - before) / 1024:.0f} MiB)")
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()
        shutil.rmtree(data, ignore_errors=True)
        os.remove(data + ".log")


if __name__ == "__main__":
    main()
