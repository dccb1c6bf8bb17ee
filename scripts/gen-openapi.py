#!/usr/bin/env python3
"""Generates vecd's own OpenAPI document from Qdrant's 1.19 spec.

Keeps only the paths and methods `vecd serve` implements, adds our extensions (the legacy
search endpoints Qdrant still serves but dropped from its spec, the tenant admin API,
/openapi.json), keeps only the schemas those paths reach, and writes the result as a Swift
source so the binary serves it without resource files.

Usage: scripts/gen-openapi.py [path/to/qdrant-openapi-1.19.json]
"""
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/contract/qdrant-openapi-1.19.json"
OUTPUT = os.path.join(ROOT, "Sources/VecService/OpenAPI/OpenAPIDocument+Spec.swift")

C = "/collections/{collection_name}"
KEEP = {
    "/": ["get"], "/healthz": ["get"], "/livez": ["get"], "/readyz": ["get"], "/metrics": ["get"],
    "/collections": ["get"],
    # Full-storage snapshots: vecd's online node backup (admin key).
    "/snapshots": ["get", "post"], "/snapshots/{snapshot_name}": ["get", "delete"],
    C: ["get", "put", "delete"],
    C + "/exists": ["get"],
    C + "/index": ["put"],
    C + "/index/{field_name}": ["delete"],
    C + "/points": ["post", "put"],
    C + "/points/{id}": ["get"],
    C + "/points/delete": ["post"],
    C + "/points/payload": ["post", "put"],
    C + "/points/payload/delete": ["post"],
    C + "/points/payload/clear": ["post"],
    C + "/points/batch": ["post"],
    C + "/points/scroll": ["post"],
    C + "/points/count": ["post"],
    C + "/facet": ["post"],
    C + "/points/query": ["post"],
    C + "/points/query/batch": ["post"],
    C + "/points/query/groups": ["post"],
    C + "/snapshots": ["get", "post"],
    C + "/snapshots/{snapshot_name}": ["get", "delete"],
    C + "/snapshots/upload": ["post"],
    C + "/snapshots/recover": ["put"],
}


def envelope(result_schema):
    return {
        "description": "successful operation",
        "content": {"application/json": {"schema": {
            "type": "object",
            "properties": {
                "time": {"type": "number", "format": "float"},
                "status": {"type": "string", "example": "ok"},
                "result": result_schema,
            },
        }}},
    }


ERRORS = {
    "4XX": {"description": "error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/ErrorResponse"}}}},
}


def collection_param(description):
    return {"name": "collection_name", "in": "path", "required": True,
            "description": description, "schema": {"type": "string"}}


def operation(op_id, summary, tags, result, body=None, params=()):
    spec = {"tags": tags, "summary": summary, "operationId": op_id,
            "parameters": list(params), "responses": dict(ERRORS, **{"200": envelope(result)})}
    if body is not None:
        spec["requestBody"] = {"content": {"application/json": {"schema": body}}}
    return spec


def extensions():
    ref = lambda name: {"$ref": "#/components/schemas/" + name}
    scored_list = {"type": "array", "items": ref("ScoredPoint")}
    tenant_param = {"name": "tenant", "in": "path", "required": True, "schema": {
        "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"}}
    key_param = {"name": "key_id", "in": "path", "required": True, "schema": {"type": "string"}}
    snapshot_param = {"name": "snapshot_name", "in": "path", "required": True,
                      "schema": {"type": "string"}}
    admin = ["Tenants (vecd)"]
    paths = {
        C + "/points/search": {"post": operation(
            "search_points", "Search points (legacy; served for LiteLLM)", ["Points"],
            scored_list, ref("SearchRequest"), [collection_param("Collection to search in")])},
        C + "/points/search/batch": {"post": operation(
            "search_batch_points", "Search batch points (legacy)", ["Points"],
            {"type": "array", "items": scored_list}, ref("SearchRequestBatch"),
            [collection_param("Collection to search in")])},
        "/openapi.json": {"get": {"tags": ["Service"], "summary": "This document",
                                  "operationId": "openapi",
                                  "responses": {"200": {"description": "OpenAPI document"}}}},
        "/tenants": {"get": operation("list_tenants", "List tenants", admin,
                                      {"type": "object"})},
        "/tenants/{tenant}": {
            "put": operation("create_tenant", "Create a tenant and its first keys", admin,
                             ref("TenantCreated"), ref("TenantSettings"), [tenant_param]),
            "get": operation("get_tenant", "Tenant settings and usage", admin,
                             {"type": "object"}, None, [tenant_param]),
            "patch": operation("update_tenant", "Update tenant limits", admin,
                               {"type": "object"}, ref("TenantSettings"), [tenant_param]),
            "delete": operation("delete_tenant", "Delete a tenant and all its data", admin,
                                {"type": "boolean"}, None, [tenant_param]),
        },
        "/tenants/{tenant}/keys": {
            "post": operation("create_tenant_key", "Issue a key", admin,
                              {"type": "object"}, ref("KeyRequest"), [tenant_param]),
            "get": operation("list_tenant_keys", "List key ids and scopes", admin,
                             {"type": "object"}, None, [tenant_param]),
        },
        "/tenants/{tenant}/usage": {
            "get": operation("get_tenant_usage",
                             "Stored points and bytes, and queries, writes, embedding tokens "
                             "and rerank pairs over time windows (admin key, or the tenant's "
                             "own key)", admin, {"type": "object"}, None, [tenant_param]),
        },
        "/tenants/{tenant}/keys/{key_id}": {
            "delete": operation("delete_tenant_key", "Revoke a key", admin,
                                {"type": "boolean"}, None, [tenant_param, key_param]),
        },
        "/tenants/{tenant}/snapshots": {
            "post": operation("create_tenant_snapshot", "Snapshot the whole tenant", admin,
                              ref("SnapshotDescription"), None, [tenant_param]),
            "get": operation("list_tenant_snapshots", "List tenant snapshots", admin,
                             {"type": "array", "items": ref("SnapshotDescription")}, None,
                             [tenant_param]),
        },
        "/tenants/{tenant}/snapshots/{snapshot_name}": {
            "get": {"tags": admin, "summary": "Download a tenant snapshot",
                    "operationId": "get_tenant_snapshot", "parameters": [tenant_param, snapshot_param],
                    "responses": {"200": {"description": "Snapshot file", "content": {
                        "application/octet-stream": {"schema": {"type": "string",
                                                                "format": "binary"}}}}}},
            "delete": operation("delete_tenant_snapshot", "Delete a tenant snapshot", admin,
                                {"type": "boolean"}, None, [tenant_param, snapshot_param]),
        },
        "/tenants/{tenant}/snapshots/upload": {
            "post": dict(operation("upload_tenant_snapshot",
                                   "Restore an uploaded tenant snapshot as a new tenant", admin,
                                   ref("TenantCreated"), None, [tenant_param]),
                         requestBody={"content": {"multipart/form-data": {"schema": {
                             "type": "object", "properties": {"snapshot": {
                                 "type": "string", "format": "binary"}}}}}}),
        },
        "/tenants/{tenant}/snapshots/recover": {
            "put": operation("recover_tenant_snapshot",
                             "Restore a tenant snapshot of this node as a new tenant", admin,
                             ref("TenantCreated"), ref("SnapshotRecover"), [tenant_param]),
        },
    }
    limit = {"type": "integer", "minimum": 0, "nullable": True}
    schemas = {
        "SearchRequest": {
            "type": "object", "required": ["vector", "limit"],
            "properties": {
                "vector": {"anyOf": [
                    {"type": "array", "items": {"type": "number", "format": "float"}},
                    {"type": "object", "required": ["name", "vector"], "properties": {
                        "name": {"type": "string"},
                        "vector": {"type": "array",
                                   "items": {"type": "number", "format": "float"}}}}]},
                "filter": {"anyOf": [ref("Filter"), {"nullable": True}]},
                "params": {"anyOf": [ref("SearchParams"), {"nullable": True}]},
                "limit": {"type": "integer", "format": "uint", "minimum": 1},
                "offset": {"type": "integer", "format": "uint", "minimum": 0, "nullable": True},
                "with_payload": {"anyOf": [ref("WithPayloadInterface"), {"nullable": True}]},
                "with_vector": {"anyOf": [ref("WithVector"), {"nullable": True}]},
                "score_threshold": {"type": "number", "format": "float", "nullable": True},
            },
        },
        "SearchRequestBatch": {"type": "object", "required": ["searches"], "properties": {
            "searches": {"type": "array", "items": ref("SearchRequest")}}},
        "TenantLimits": {"type": "object", "additionalProperties": False, "properties": {
            name: limit for name in [
                "read_requests_per_minute", "write_requests_per_minute",
                "embed_tokens_per_minute", "max_points", "max_bytes", "max_collections"]}},
        "TenantSettings": {"type": "object", "properties": {
            "limits": {"anyOf": [ref("TenantLimits"), {"nullable": True}]}}},
        "TenantCreated": {"type": "object", "required": ["name", "api_key", "read_only_api_key"],
                          "properties": {"name": {"type": "string"},
                                         "api_key": {"type": "string"},
                                         "read_only_api_key": {"type": "string"}}},
        "KeyRequest": {"type": "object", "properties": {
            "access": {"type": "string", "enum": ["r", "rw"]},
            "collections": {"type": "array", "items": {"type": "string"}, "nullable": True}}},
    }
    return paths, schemas


def add_our_fields(schemas):
    """Our extensions of Qdrant's request schemas: the collection's embedding model and the
    cross-encoder `rerank` query over `prefetch`."""
    schemas["CreateCollection"]["properties"]["embedding_model"] = {
        "type": "string", "nullable": True,
        "description": "vecd: the embedding model for Document inputs of this collection"}
    schemas["RerankQuery"] = {
        "type": "object", "required": ["rerank"], "description": "vecd: rerank the prefetched "
        "points with a cross-encoder over the payload text at `field`",
        "properties": {"rerank": {"type": "object", "required": ["text"], "properties": {
            "text": {"type": "string"}, "field": {"type": "string", "default": "text"},
            "model": {"type": "string", "nullable": True}}}}}
    schemas["Query"]["anyOf"].append({"$ref": "#/components/schemas/RerankQuery"})


def inference_extensions():
    """`/v1/embeddings` (OpenAI) and `/v1/rerank` (Cohere/Jina): their own bodies, not
    Qdrant's envelope; and `retrieval_score` on reranked hits."""
    ref = lambda name: {"$ref": "#/components/schemas/" + name}
    strings = {"type": "array", "items": {"type": "string"}}
    error = {"description": "error", "content": {"application/json": {"schema": ref(
        "OpenAIError")}}}

    def post(op_id, summary, body, result):
        return {"post": {"tags": ["Inference (vecd)"], "summary": summary, "operationId": op_id,
                         "requestBody": {"content": {"application/json": {"schema": ref(body)}}},
                         "responses": {"200": {"description": "successful operation",
                                               "content": {"application/json": {
                                                   "schema": ref(result)}}},
                                       "4XX": error}}}
    paths = {
        "/v1/embeddings": post("create_embeddings", "Embed texts (OpenAI-compatible)",
                               "EmbeddingsRequest", "EmbeddingsResponse"),
        "/v1/rerank": post("rerank_documents", "Rerank documents (Cohere/Jina-compatible)",
                           "RerankRequest", "RerankResponse"),
    }
    schemas = {
        "EmbeddingsRequest": {"type": "object", "required": ["input"], "properties": {
            "input": {"anyOf": [{"type": "string"}, dict(strings, minItems=1)]},
            "model": {"type": "string", "nullable": True},
            "encoding_format": {"type": "string", "enum": ["float", "base64"]},
            "dimensions": {"type": "integer", "minimum": 1, "nullable": True},
            "input_type": {"type": "string", "enum": ["query", "document"],
                           "description": "vecd: `query` adds the model's query instruction"}}},
        "EmbeddingsResponse": {"type": "object", "required": ["object", "data", "model", "usage"],
                               "properties": {
            "object": {"type": "string", "enum": ["list"]},
            "data": {"type": "array", "items": {"type": "object", "properties": {
                "object": {"type": "string"}, "index": {"type": "integer"},
                "embedding": {"anyOf": [{"type": "array", "items": {"type": "number"}},
                                        {"type": "string"}]}}}},
            "model": {"type": "string"},
            "usage": {"type": "object", "properties": {
                "prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}}},
        "RerankRequest": {"type": "object", "required": ["query", "documents"], "properties": {
            "query": {"type": "string"},
            "documents": {"type": "array", "items": {"anyOf": [
                {"type": "string"},
                {"type": "object", "required": ["text"],
                 "properties": {"text": {"type": "string"}}}]}},
            "model": {"type": "string", "nullable": True},
            "top_n": {"type": "integer", "minimum": 1, "nullable": True},
            "return_documents": {"type": "boolean", "nullable": True}}},
        "RerankResponse": {"type": "object", "required": ["results"], "properties": {
            "id": {"type": "string"}, "model": {"type": "string"},
            "results": {"type": "array", "items": {"type": "object", "properties": {
                "index": {"type": "integer"},
                "relevance_score": {"type": "number"},
                "document": {"type": "object", "properties": {"text": {"type": "string"}}}}}},
            "usage": {"type": "object"}, "meta": {"type": "object"}}},
        "OpenAIError": {"type": "object", "properties": {"error": {"type": "object",
                                                                   "properties": {
            "message": {"type": "string"}, "type": {"type": "string"},
            "code": {"nullable": True}}}}},
    }
    return paths, schemas


def add_retrieval_score(schemas):
    schemas["ScoredPoint"]["properties"]["retrieval_score"] = {
        "type": "number", "format": "float", "nullable": True,
        "description": "vecd: after a rerank, the score of the search that found the point "
                       "(`score` is then the cross-encoder's logit)"}


def reachable(value, schemas, seen):
    if isinstance(value, dict):
        ref = value.get("$ref")
        if ref and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in seen and name in schemas:
                seen.add(name)
                reachable(schemas[name], schemas, seen)
        for child in value.values():
            reachable(child, schemas, seen)
    elif isinstance(value, list):
        for child in value:
            reachable(child, schemas, seen)


def main():
    with open(SOURCE) as handle:
        qdrant = json.load(handle)
    paths = {}
    for path, methods in KEEP.items():
        paths[path] = {method: qdrant["paths"][path][method] for method in methods}
    extra_paths, extra_schemas = extensions()
    paths.update(extra_paths)
    inference_paths, inference_schemas = inference_extensions()
    paths.update(inference_paths)
    all_schemas = dict(qdrant["components"]["schemas"], **extra_schemas, **inference_schemas)
    add_our_fields(all_schemas)
    add_retrieval_score(all_schemas)
    used = set()
    reachable(paths, all_schemas, used)
    document = {
        "openapi": qdrant["openapi"],
        "info": {"title": "vecd - vector search engine", "version": "1.19.0",
                 "description": "Qdrant-compatible REST API of vecd, with tenant-bound "
                                "credentials. Paths are Qdrant 1.19's that vecd implements, "
                                "plus the legacy search endpoints and the tenant admin API."},
        "servers": [{"url": "http://127.0.0.1:6333"}],
        "security": qdrant["security"],
        "paths": paths,
        "components": {"securitySchemes": qdrant["components"]["securitySchemes"],
                       "schemas": {name: all_schemas[name] for name in sorted(used)}},
    }
    text = json.dumps(document, separators=(",", ":"), sort_keys=True)
    assert '"""#' not in text
    with open(OUTPUT, "w") as out:
        out.write("// GENERATED by scripts/gen-openapi.py from Qdrant's 1.19 OpenAPI document; "
                  "do not edit.\n\n")
        out.write("extension OpenAPIDocument {\n")
        out.write("    /// The document as compact JSON text.\n")
        out.write('    static let text = #"""\n' + text + '\n"""#\n}\n')
    print(f"{len(paths)} paths, {len(used)} schemas, {len(text)} bytes -> {OUTPUT}")


if __name__ == "__main__":
    main()
