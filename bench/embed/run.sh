#!/usr/bin/env bash
# The embedder benchmark: vecd's Swift encoder against ONNX Runtime and sentence-transformers
# (PyTorch, CPU) on the same weights and texts, with 1 and 2 threads, in interleaved rounds;
# MiniLM-L6 (real weights) and a BGE-large-shaped random checkpoint. Raw JSON lines go to
# bench/out/raw.jsonl and the table to bench/out/summary.md (copied into RESULTS.md by hand).
#
#   bench/embed/run.sh [ROUNDS] [SECONDS_PER_CASE]
#
# The Python baselines live in a virtualenv under .cache/benchenv (onnx, onnxruntime, torch,
# sentence-transformers and tokenizers from PyPI; torch's wheel is large).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
rounds=${1:-3}
seconds=${2:-3}
out=bench/out
mkdir -p "$out"
venv=.cache/benchenv
if ! "$venv/bin/python" -c "import onnx, onnxruntime, torch, sentence_transformers, tokenizers" 2>/dev/null; then
    python3 -m venv --system-site-packages "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check onnx onnxruntime torch \
        sentence-transformers tokenizers safetensors numpy
fi
swift build -c release --product embed-bench
minilm=${VECD_MODEL_DIR:-.cache/models/all-minilm-l6-v2}
large=.cache/test-models/random-bge-large
python3 scripts/embedder/random_bert.py make "$large" --vocab "$minilm/vocab.txt"
: > "$out/raw.jsonl"
run_model() {  # model-dir texts-file cases pooling threads
    OPENBLAS_NUM_THREADS=$5 .build/release/embed-bench --model "$1" --texts "$2" --cases "$3" \
        --seconds "$seconds" --peak | tee -a "$out/raw.jsonl"
    OPENBLAS_NUM_THREADS=$5 "$venv/bin/python" bench/embed/bench_python.py "$1" "$2" \
        --cases "$3" --seconds "$seconds" --pooling "$4" --threads "$5" 2>/dev/null \
        | tee -a "$out/raw.jsonl"
}
for round in $(seq "$rounds"); do
    for threads in 1 2; do
        run_model "$minilm" "$out/texts-minilm.json" short:64,medium:32,long:8 mean "$threads"
        run_model "$large" "$out/texts-large.json" short:16,medium:4,long:1 cls "$threads"
    done
done
python3 bench/embed/summarize.py "$out/raw.jsonl" | tee "$out/summary.md"
