#!/usr/bin/env bash
# REST throughput: search and upsert in process and over HTTP (wrk), in one run.
# Usage: bench/rest/run.sh [restbench options], e.g. --points 10000 --dim 384 --seconds 10
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v wrk >/dev/null || { echo "bench/rest: needs wrk (apt-get install wrk)" >&2; exit 2; }
swift build -c release --product restbench >&2
exec "$root/.build/release/restbench" "$@"
