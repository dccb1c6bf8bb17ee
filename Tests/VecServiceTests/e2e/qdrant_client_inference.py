#!/usr/bin/env python3
"""qdrant-client's server-side inference against vecd: Document upsert and queries.

With `cloud_inference=True`, qdrant-client sends `Document{text, model}` to the server instead
of embedding locally with fastembed; vecd embeds them. Reads VECD_URL and VECD_API_KEY; the
server must run with the all-minilm-l6-v2 model. Exits non-zero on the first mismatch.
"""
import os
import warnings

from qdrant_client import QdrantClient, models

warnings.filterwarnings("ignore", message="Api key is used with an insecure connection")
MODEL = "all-minilm-l6-v2"
client = QdrantClient(url=os.environ["VECD_URL"], api_key=os.environ["VECD_API_KEY"],
                      cloud_inference=True, prefer_grpc=False, timeout=60)
client.create_collection(
    "qc_inference", vectors_config=models.VectorParams(size=384, distance=models.Distance.COSINE))
texts = ["Pandas eat bamboo.", "PostgreSQL is a relational database.", "Rivers flow to the sea."]
client.upsert("qc_inference", wait=True, points=[
    models.PointStruct(id=index, vector=models.Document(text=text, model=MODEL),
                       payload={"text": text})
    for index, text in enumerate(texts)])
hit = client.query_points("qc_inference", query=models.Document(text="what do pandas eat?",
                                                                model=MODEL),
                          limit=1, with_payload=True).points[0]
assert hit.id == 0 and hit.payload == {"text": texts[0]}, hit
nearest = client.query_points(
    "qc_inference", query=models.NearestQuery(nearest=models.Document(text="SQL", model=MODEL)),
    limit=1).points[0]
assert nearest.id == 1, nearest
prefetched = client.query_points(
    "qc_inference", prefetch=models.Prefetch(query=models.Document(text="ocean", model=MODEL),
                                             limit=2),
    query=models.Document(text="water", model=MODEL), limit=1).points[0]
assert prefetched.id == 2, prefetched
stored = client.retrieve("qc_inference", ids=[0], with_vectors=True)[0]
assert len(stored.vector) == 384, stored
print("qdrant-client inference workflow passed")
