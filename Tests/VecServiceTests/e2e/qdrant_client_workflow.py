"""The real qdrant-client 1.20.0 (REST mode) runs a full workflow against vecd.

Run by QdrantClientWorkflowTests with VECD_URL, VECD_API_KEY (a tenant key),
VECD_READ_ONLY_KEY and VECD_OTHER_KEY (another tenant's key) in the environment. Exits 0 when
every step behaves as it does against Qdrant; any assertion or client error exits non-zero
with the failing step on stderr.
"""
import importlib.metadata
import os
import sys
import warnings

import httpx
from qdrant_client import QdrantClient, models
from qdrant_client.common.version_check import get_server_version, is_compatible
from qdrant_client.http.exceptions import UnexpectedResponse

URL = os.environ["VECD_URL"]
KEY = os.environ["VECD_API_KEY"]
READ_ONLY_KEY = os.environ["VECD_READ_ONLY_KEY"]
OTHER_KEY = os.environ["VECD_OTHER_KEY"]
COLLECTION = "workflow"
# Plain http on 127.0.0.1 is the test setup; only the version warning matters below.
warnings.filterwarnings("ignore", message="Api key is used with an insecure connection")
DIM = 4


def vector(i):
    # Distinct, non-zero directions so cosine ranking is well defined.
    return [1.0, float(i % 7) / 7.0, float(i % 3) / 3.0, float(i) / 100.0]


def expect_status(status, call):
    try:
        call()
    except UnexpectedResponse as error:
        assert error.status_code == status, f"expected {status}, got {error.status_code}"
        return
    raise AssertionError(f"expected HTTP {status}, call succeeded")


def main():
    # The version check runs on init; a compatibility warning would mean `/` is out of range.
    # (The client also warns about an API key over plain http, which is expected here.)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = QdrantClient(url=URL, api_key=KEY, prefer_grpc=False, timeout=30,
                              check_compatibility=True)
    version_warnings = [str(w.message) for w in caught if "version" in str(w.message).lower()]
    assert not version_warnings, version_warnings
    server_version = get_server_version(URL, {}, None, 10)
    assert is_compatible(importlib.metadata.version("qdrant-client"), server_version), server_version

    assert not client.collection_exists(COLLECTION)
    client.create_collection(
        COLLECTION,
        vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE),
        hnsw_config=models.HnswConfigDiff(m=16, ef_construct=64),
        optimizers_config=models.OptimizersConfigDiff(indexing_threshold=0),
    )
    assert client.collection_exists(COLLECTION)
    expect_status(409, lambda: client.create_collection(
        COLLECTION, vectors_config=models.VectorParams(size=DIM, distance=models.Distance.COSINE)))

    # Upsert: points form, then batch form.
    client.upsert(COLLECTION, points=[
        models.PointStruct(id=i, vector=vector(i),
                           payload={"group": "even" if i % 2 == 0 else "odd", "rank": i})
        for i in range(20)
    ])
    client.upsert(COLLECTION, points=models.Batch(
        ids=list(range(20, 30)), vectors=[vector(i) for i in range(20, 30)],
        payloads=[{"group": "batch", "rank": i} for i in range(20, 30)]))
    uuid_id = "550e8400-e29b-41d4-a716-446655440000"
    client.upsert(COLLECTION, points=[models.PointStruct(id=uuid_id, vector=vector(99),
                                                         payload={"group": "uuid"})])
    client.upload_points(COLLECTION, points=[
        models.PointStruct(id=i, vector=vector(i), payload={"group": "upload", "rank": i})
        for i in range(30, 40)], wait=True)

    client.create_payload_index(COLLECTION, "group", models.PayloadSchemaType.KEYWORD)
    client.create_payload_index(COLLECTION, "rank", models.PayloadSchemaType.INTEGER)
    info = client.get_collection(COLLECTION)
    assert info.points_count == 41, info.points_count
    assert info.config.params.vectors.size == DIM
    assert info.config.params.vectors.distance == models.Distance.COSINE
    assert info.config.hnsw_config.ef_construct == 64
    assert set(info.payload_schema) >= {"group", "rank"}, info.payload_schema
    assert info.payload_schema["group"].data_type == models.PayloadSchemaType.KEYWORD

    # Query with a filter: every hit matches it, scores descend.
    even = models.Filter(must=[models.FieldCondition(key="group",
                                                     match=models.MatchValue(value="even"))])
    hits = client.query_points(COLLECTION, query=vector(4), query_filter=even, limit=5,
                               with_payload=True).points
    assert len(hits) == 5, hits
    assert hits[0].id == 4, hits[0]
    assert all(hit.payload["group"] == "even" for hit in hits)
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:]))
    ranged = client.query_points(COLLECTION, query=vector(1), limit=100, query_filter=models.Filter(
        must=[models.FieldCondition(key="rank", range=models.Range(gte=10, lt=15))])).points
    assert sorted(hit.id for hit in ranged) == [10, 11, 12, 13, 14], ranged
    by_id = client.query_points(COLLECTION, query=4, limit=3).points
    assert 4 not in [hit.id for hit in by_id] and len(by_id) == 3
    exact = client.query_points(COLLECTION, query=vector(7), limit=1,
                                search_params=models.SearchParams(exact=True)).points
    assert exact[0].id == 7
    fused = client.query_points(COLLECTION, prefetch=[
        models.Prefetch(query=vector(3), limit=10), models.Prefetch(query=vector(5), limit=10)],
        query=models.FusionQuery(fusion=models.Fusion.RRF), limit=4, with_payload=True).points
    assert len(fused) == 4 and all(hit.payload is not None for hit in fused)
    batch = client.query_batch_points(COLLECTION, requests=[
        models.QueryRequest(query=vector(1), limit=2),
        models.QueryRequest(query=vector(2), limit=3, filter=even)])
    assert [len(result.points) for result in batch] == [2, 3]

    # Scroll through everything in pages.
    seen, offset = [], None
    while True:
        page, offset = client.scroll(COLLECTION, limit=7, offset=offset, with_payload=True)
        seen.extend(point.id for point in page)
        if offset is None:
            break
    assert len(seen) == 41 and len(set(seen)) == 41, seen
    ordered, _ = client.scroll(COLLECTION, order_by=models.OrderBy(key="rank", direction="desc"),
                               limit=3, with_payload=True)
    assert [point.payload["rank"] for point in ordered] == [39, 38, 37], ordered
    by_rank = client.query_points(COLLECTION, query=models.OrderByQuery(order_by="rank"), limit=2,
                                  with_payload=True).points
    assert [point.payload["rank"] for point in by_rank] == [0, 1], by_rank
    odd, _ = client.scroll(COLLECTION, scroll_filter=models.Filter(must=[models.FieldCondition(
        key="group", match=models.MatchValue(value="odd"))]), limit=100)
    assert len(odd) == 10

    # Count, retrieve.
    assert client.count(COLLECTION).count == 41
    assert client.count(COLLECTION, count_filter=even, exact=True).count == 10
    records = client.retrieve(COLLECTION, ids=[1, 2, uuid_id, 12345], with_vectors=True)
    assert sorted(str(record.id) for record in records) == sorted(["1", "2", uuid_id])
    one = next(record for record in records if record.id == 1)
    assert one.payload["rank"] == 1 and len(one.vector) == DIM
    assert abs(sum(x * x for x in one.vector) - 1.0) < 1e-3 or one.vector[0] == 1.0

    # Payload updates.
    client.set_payload(COLLECTION, payload={"tag": "x"}, points=[1, 2])
    client.overwrite_payload(COLLECTION, payload={"only": True}, points=[3])
    client.delete_payload(COLLECTION, keys=["rank"], points=[2])
    client.clear_payload(COLLECTION, points_selector=models.PointIdsList(points=[5]))
    payloads = {record.id: record.payload for record in client.retrieve(COLLECTION, ids=[1, 2, 3, 5])}
    assert payloads[1] == {"group": "odd", "rank": 1, "tag": "x"}, payloads[1]
    assert payloads[2] == {"group": "even", "tag": "x"}, payloads[2]
    assert payloads[3] == {"only": True}, payloads[3]
    assert payloads[5] == {}, payloads[5]
    client.set_payload(COLLECTION, payload={"flag": 1}, points=models.Filter(must=[
        models.FieldCondition(key="group", match=models.MatchValue(value="batch"))]))
    assert client.count(COLLECTION, count_filter=models.Filter(must=[models.FieldCondition(
        key="flag", match=models.MatchValue(value=1))])).count == 10

    # Facet over the keyword index.
    facets = client.facet(COLLECTION, key="group", limit=10, exact=True)
    counts = {hit.value: hit.count for hit in facets.hits}
    assert counts.get("batch") == 10 and counts.get("upload") == 10, counts

    # Grouped query: at most 3 groups of at most 2 hits, each hit in its own group.
    groups = client.query_points_groups(COLLECTION, query=vector(2), group_by="group",
                                        group_size=2, limit=3, with_payload=True).groups
    assert len(groups) == 3 and all(1 <= len(group.hits) <= 2 for group in groups), groups
    assert all(hit.payload["group"] == group.id for group in groups for hit in group.hits)
    assert len({group.id for group in groups}) == 3

    # Batched updates.
    client.batch_update_points(COLLECTION, update_operations=[
        models.UpsertOperation(upsert=models.PointsList(points=[
            models.PointStruct(id=100, vector=vector(100), payload={"group": "late"})])),
        models.SetPayloadOperation(set_payload=models.SetPayload(payload={"b": 1}, points=[100])),
    ])
    assert client.retrieve(COLLECTION, ids=[100])[0].payload == {"group": "late", "b": 1}

    # Delete by ids, then by filter.
    client.delete(COLLECTION, points_selector=models.PointIdsList(points=[0, 1]))
    client.delete(COLLECTION, points_selector=models.FilterSelector(filter=models.Filter(must=[
        models.FieldCondition(key="group", match=models.MatchValue(value="upload"))])))
    # 41 + point 100 - ids 0, 1 - the 10 uploaded points.
    assert client.count(COLLECTION).count == 30, client.count(COLLECTION)

    # A read-only key reads but cannot write; another tenant sees nothing.
    reader = QdrantClient(url=URL, api_key=READ_ONLY_KEY, prefer_grpc=False, timeout=30)
    assert reader.count(COLLECTION).count == 30
    assert len(reader.query_points(COLLECTION, query=vector(2), limit=2).points) == 2
    expect_status(403, lambda: reader.upsert(COLLECTION, points=[
        models.PointStruct(id=1, vector=vector(1))]))
    other = QdrantClient(url=URL, api_key=OTHER_KEY, prefer_grpc=False, timeout=30)
    assert not other.collection_exists(COLLECTION)
    expect_status(404, lambda: other.query_points(COLLECTION, query=vector(1)))
    expect_status(404, lambda: other.count(COLLECTION))

    # LiteLLM's raw /points/search request shape (bare list result).
    response = httpx.post(f"{URL}/collections/{COLLECTION}/points/search",
                          headers={"api-key": KEY, "content-type": "application/json"},
                          json={"vector": vector(8), "limit": 2, "with_payload": True,
                                "with_vectors": False, "score_threshold": 0.0})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok" and isinstance(body["result"], list), body
    assert body["result"][0]["id"] == 8 and "payload" in body["result"][0], body

    # Delete the collection.
    assert client.delete_collection(COLLECTION)
    assert not client.collection_exists(COLLECTION)
    expect_status(404, lambda: client.get_collection(COLLECTION))
    print("qdrant-client workflow passed")


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # report the failing step, then fail the test
        import traceback
        traceback.print_exc()
        sys.exit(1)
