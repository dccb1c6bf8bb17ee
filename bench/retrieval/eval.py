#!/usr/bin/env python3
"""Retrieval quality on the demo corpora: recall@5 and MRR@10 per tenant.

Questions are made from the pages themselves: every <h2>/<h3> section heading of an ingested
page becomes a question whose correct answer is that page (`payload.source`). The question is
the heading text, so dense search has to map a short heading to the right page among all
pages of the tenant. Run after `scripts/demo` (it reads the demo's keys from .cache/demo).

Usage: bench/retrieval/eval.py [--url URL] [--per-tenant N] [--rerank]
"""
import argparse, html, json, os, random, re, sys, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def post(url, key, path, body):
    request = urllib.request.Request(
        url + path, data=json.dumps(body).encode(), method="POST",
        headers={"content-type": "application/json", "api-key": key})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)["result"]


def sources(url, key, collection):
    """Every distinct source in the collection, read with scroll."""
    seen, offset = set(), None
    while True:
        body = {"limit": 256, "with_payload": ["source"], "with_vector": False}
        if offset is not None:
            body["offset"] = offset
        page = post(url, key, f"/collections/{collection}/points/scroll", body)
        for point in page["points"]:
            seen.add(point["payload"]["source"])
        offset = page.get("next_page_offset")
        if offset is None:
            return seen


def headings(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    found = []
    for match in re.finditer(r"<h[23][^>]*>(.*?)</h[23]>", text, re.S | re.I):
        heading = re.sub(r"<[^>]+>", "", match.group(1))
        heading = html.unescape(heading).replace("¶", "").strip()
        heading = re.sub(r"^[0-9.]+\s*", "", heading)  # drop section numbers ("9.3.")
        heading = re.sub(r"\s+", " ", heading)
        if len(heading.split()) >= 2:
            found.append(heading)
    return found


def evaluate(url, key, collection, per_tenant, rerank, seed=7):
    pages = sorted(s for s in sources(url, key, collection) if s.endswith(".html"))
    questions = [(h, page) for page in pages if os.path.exists(page) for h in headings(page)]
    random.Random(seed).shuffle(questions)
    questions = questions[:per_tenant]
    hits5, reciprocal = 0, 0.0
    for question, page in questions:
        if rerank:
            body = {"prefetch": {"query": {"text": question}, "limit": 50},
                    "query": {"rerank": {"text": question, "field": "text"}},
                    "limit": 10, "with_payload": ["source"]}
        else:
            body = {"query": {"text": question}, "limit": 10, "with_payload": ["source"]}
        result = post(url, key, f"/collections/{collection}/points/query", body)["points"]
        ranked = []
        for point in result:  # rank pages, not chunks
            if point["payload"]["source"] not in ranked:
                ranked.append(point["payload"]["source"])
        if page in ranked[:5]:
            hits5 += 1
        if page in ranked:
            reciprocal += 1.0 / (ranked.index(page) + 1)
    n = len(questions)
    return {"questions": n, "pages": len(pages), "recall@5": hits5 / n if n else 0.0,
            "mrr@10": reciprocal / n if n else 0.0}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="http://127.0.0.1:6333")
    parser.add_argument("--per-tenant", type=int, default=60)
    parser.add_argument("--rerank", action="store_true")
    args = parser.parse_args()
    keys = json.load(open(os.path.join(ROOT, ".cache/demo/keys.json")))
    for tenant, entry in sorted(keys.items()):
        figures = evaluate(args.url, entry["api_key"], entry["collection"], args.per_tenant,
                           args.rerank)
        print(json.dumps({"tenant": tenant, "rerank": args.rerank, **figures}))


if __name__ == "__main__":
    sys.exit(main())
