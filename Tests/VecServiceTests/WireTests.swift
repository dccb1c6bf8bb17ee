import VectorIndex
import VectorStore
import XCTest

@testable import VecService

/// Qdrant wire DTOs: parsing of request bodies and the shape of responses.
final class WireTests: XCTestCase {
    private func object(_ text: String) throws -> WireObject {
        try WireObject(JSONValue.parse(text))
    }

    /// Asserts a 400 whose message names `field` (and `mentions`, if given).
    private func assertBadInput(
        _ expression: @autoclosure () throws -> Any,
        field: String,
        mentions: String? = nil,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            let wrapped = ServiceError.wrap(error)
            XCTAssertEqual(
                ErrorMapping.of(wrapped).status,
                400,
                "\(wrapped)",
                file: file,
                line: line
            )
            guard case .store(.invalidArgument(let named, let message)) = wrapped else {
                return XCTFail("expected invalidArgument, got \(wrapped)", file: file, line: line)
            }
            XCTAssertEqual(named, field, message, file: file, line: line)
            if let mentions {
                XCTAssertTrue(message.contains(mentions), message, file: file, line: line)
            }
        }
    }

    // MARK: - Collections

    func testCreateCollectionWithBareVectorParams() throws {
        let config = try CollectionWire.createCollection(
            object(
                """
                {"vectors": {"size": 384, "distance": "Cosine", "on_disk": true},
                 "hnsw_config": {"m": 32, "payload_m": 16}, "on_disk_payload": false,
                 "optimizers_config": {"indexing_threshold": 0}, "wal_config": {"wal_capacity_mb": 8},
                 "shard_number": 2, "unknown_top_level": 1}
                """
            )
        )
        XCTAssertFalse(config.usesNamedVectors)
        XCTAssertEqual(config.vectors[defaultVectorName]?.size, 384)
        XCTAssertEqual(config.vectors[defaultVectorName]?.distance, .cosine)
        XCTAssertEqual(config.vectors[defaultVectorName]?.extra["on_disk"], true)
        XCTAssertEqual(config.hnsw.m, 32)
        XCTAssertEqual(config.hnsw.efConstruct, HNSWConfig.defaultEfConstruct)
        XCTAssertEqual(config.hnsw.extra["payload_m"], 16)
        XCTAssertFalse(config.onDiskPayload)
        XCTAssertEqual(config.extra["optimizers_config"], ["indexing_threshold": 0])
        XCTAssertNil(config.extra["unknown_top_level"], "unknown fields are ignored, not stored")
    }

    func testCreateCollectionWithNamedVectors() throws {
        let config = try CollectionWire.createCollection(
            object(
                """
                {"vectors": {"text": {"size": 4, "distance": "Dot"},
                             "image": {"size": 2, "distance": "Euclid", "hnsw_config": {"m": 8}}}}
                """
            )
        )
        XCTAssertTrue(config.usesNamedVectors)
        XCTAssertEqual(config.vectors["text"], VectorParams(size: 4, distance: .dot))
        XCTAssertEqual(config.vectors["image"]?.hnsw?.m, 8)
    }

    func testCreateCollectionErrorsNameTheField() throws {
        assertBadInput(
            try CollectionWire.createCollection(
                object(
                    #"{"vectors": {"size": 4, "distance": "cosine"}}"#
                )
            ),
            field: "vectors.distance",
            mentions: "cosine"
        )
        assertBadInput(
            try CollectionWire.createCollection(
                object(
                    #"{"vectors": {"size": "4", "distance": "Dot"}}"#
                )
            ),
            field: "vectors.size"
        )
        assertBadInput(
            try CollectionWire.createCollection(
                object(
                    #"{"vectors": {"a": {"size": 0, "distance": "Dot"}}}"#
                )
            ),
            field: "vectors.a.size"
        )
        assertBadInput(
            try CollectionWire.createCollection(
                object(
                    #"{"vectors": {"size": 4, "distance": "Dot"}, "hnsw_config": {"m": -1}}"#
                )
            ),
            field: "hnsw_config.m"
        )
        assertBadInput(
            try CollectionWire.createCollection(object(#"{"vectors": 3}"#)),
            field: "vectors"
        )
        assertBadInput(try CollectionWire.validateName("a/b"), field: "collection_name")
    }

    /// Every field qdrant-client's pydantic models mark required is present.
    func testCollectionInfoHasEveryFieldQdrantClientRequires() throws {
        var config = CollectionConfig(vectors: [
            defaultVectorName: VectorParams(size: 3, distance: .cosine)
        ])
        config.extra["quantization_config"] = ["scalar": ["type": "int8"]]
        let schema = PayloadFieldSchema(kind: .keyword, parameters: ["is_tenant": true])
        let info = CollectionWire.info(
            CollectionInfo(
                config: config,
                pointsCount: 7,
                indexedVectorsCount: 5,
                payloadSchema: ["lang": (schema, 7)]
            )
        )
        for field in ["status", "optimizer_status", "segments_count", "config", "payload_schema"] {
            XCTAssertNotNil(info[field], field)
        }
        XCTAssertEqual(info["points_count"], 7)
        let described = try XCTUnwrap(info["config"])
        for field in ["params", "hnsw_config", "optimizer_config", "wal_config"] {
            XCTAssertNotNil(described[field], field)
        }
        for field in ["m", "ef_construct", "full_scan_threshold"] {
            XCTAssertNotNil(described["hnsw_config"]?[field], field)
        }
        for field in ["default_segment_number", "flush_interval_sec"] {
            XCTAssertNotNil(described["optimizer_config"]?[field], field)
        }
        XCTAssertEqual(described["params"]?["vectors"], ["size": 3, "distance": "Cosine"])
        XCTAssertEqual(described["quantization_config"], ["scalar": ["type": "int8"]])
        XCTAssertEqual(
            info["payload_schema"]?["lang"],
            [
                "data_type": "keyword", "points": 7,
                "params": ["type": "keyword", "is_tenant": true],
            ]
        )
    }

    func testNamedVectorsAreReportedAsAMap() {
        let config = CollectionConfig(
            vectors: ["a": VectorParams(size: 2, distance: .dot)],
            usesNamedVectors: true
        )
        XCTAssertEqual(CollectionWire.vectors(config), ["a": ["size": 2, "distance": "Dot"]])
    }

    // MARK: - Upsert and ids (B20)

    func testUpsertPointsForm() throws {
        let points = try PointWire.upsert(
            object(
                """
                {"points": [{"id": 1, "vector": [0.5, 1], "payload": {"k": "v"}},
                            {"id": "550e8400-e29b-41d4-a716-446655440000", "vector": {"t": [1, 2]}}]}
                """
            )
        )
        XCTAssertEqual(points.count, 2)
        XCTAssertEqual(points[0].id, .number(1))
        XCTAssertEqual(points[0].vectors, [defaultVectorName: .dense([0.5, 1])])
        XCTAssertEqual(points[0].payload, ["k": "v"])
        XCTAssertEqual(points[1].vectors, ["t": .dense([1, 2])])
    }

    func testUpsertBatchForm() throws {
        let points = try PointWire.upsert(
            object(
                """
                {"batch": {"ids": [1, 2], "vectors": [[1, 0], [0, 1]], "payloads": [{"a": 1}, null]}}
                """
            )
        )
        XCTAssertEqual(points.map(\.id), [.number(1), .number(2)])
        XCTAssertEqual(points[1].vectors[defaultVectorName], .dense([0, 1]))
        XCTAssertEqual(points[0].payload, ["a": 1])
        XCTAssertEqual(points[1].payload, [:])
        let named = try PointWire.upsert(
            object(
                #"{"batch": {"ids": [5], "vectors": {"img": [[3, 4]]}}}"#
            )
        )
        XCTAssertEqual(named[0].vectors, ["img": .dense([3, 4])])
        assertBadInput(
            try PointWire.upsert(
                object(
                    #"{"batch": {"ids": [1, 2], "vectors": [[1, 0]]}}"#
                )
            ),
            field: "batch.vectors"
        )
        assertBadInput(
            try PointWire.upsert(
                object(
                    #"{"batch": {"ids": [1], "vectors": [[1]], "payloads": [1]}}"#
                )
            ),
            field: "batch.payloads[0]"
        )
    }

    func testB20EverySpellingOfAValidIDIsAccepted() throws {
        let points = try PointWire.upsert(
            object(
                """
                {"points": [{"id": 42, "vector": [1]},
                            {"id": "936DA01F9ABD4d9d80C702AF85C822A8", "vector": [1]},
                            {"id": "550e8400-e29b-41d4-a716-446655440000", "vector": [1]},
                            {"id": "urn:uuid:F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4", "vector": [1]}]}
                """
            )
        )
        XCTAssertEqual(points.count, 4)
        XCTAssertEqual(points[1].id, PointID(pathSegment: "936da01f-9abd-4d9d-80c7-02af85c822a8"))
    }

    func testB20InvalidIDsAreRejectedNamingTheIDAndTheWholeRequestFails() throws {
        let cases: [(String, String)] = [
            (#""b07ystb5hx""#, "b07ystb5hx"), ("-39672", "-39672"), ("1.5", "1.5"),
            (#""./data/a.txt_1""#, "./data/a.txt_1"),
            // Past UInt64.max the JSON parser keeps a double, so the message shows it as one.
            ("18446744073709551616", "1.8446744073709552e+19"),
        ]
        for (literal, shown) in cases {
            let body =
                #"{"points": [{"id": 1, "vector": [1]}, {"id": \#(literal), "vector": [1]}]}"#
            assertBadInput(
                try PointWire.upsert(object(body)),
                field: "points[1].id",
                mentions: shown
            )
            assertBadInput(
                try PointWire.upsert(
                    object(
                        #"{"batch": {"ids": [1, \#(literal)], "vectors": [[1], [2]]}}"#
                    )
                ),
                field: "batch.ids[1]",
                mentions: shown
            )
        }
    }

    func testVectorErrorsNameTheComponent() throws {
        assertBadInput(
            try PointWire.upsert(object(#"{"points": [{"id": 1, "vector": [1, "x"]}]}"#)),
            field: "points[0].vector[1]"
        )
        assertBadInput(
            try PointWire.upsert(object(#"{"points": [{"id": 1, "vector": [[1], [2]]}]}"#)),
            field: "points[0].vector",
            mentions: "multi-vectors"
        )
        assertBadInput(
            try PointWire.upsert(
                object(
                    #"{"points": [{"id": 1, "vector": {"s": {"indices": [1], "values": [1]}}}]}"#
                )
            ),
            field: "points[0].vector.s",
            mentions: "sparse"
        )
        assertBadInput(
            try PointWire.upsert(object(#"{"points": [{"vector": [1]}]}"#)),
            field: "points[0].id"
        )
        assertBadInput(try PointWire.upsert(object(#"{"dots": []}"#)), field: "points")
    }

    func testDocumentVectorsAreKeptForTheEmbedder() throws {
        let points = try PointWire.upsert(
            object(
                #"{"points": [{"id": 1, "vector": {"text": "hello", "model": "minilm"}}]}"#
            )
        )
        XCTAssertEqual(
            points[0].vectors[defaultVectorName],
            .document(text: "hello", model: "minilm")
        )
    }

    // MARK: - Selectors and selections

    func testPayloadAndVectorSelectors() throws {
        XCTAssertEqual(try PointWire.payloadSelector(object("{}"), default: .all), .all)
        XCTAssertEqual(
            try PointWire.payloadSelector(object(#"{"with_payload": false}"#), default: .all),
            .none
        )
        XCTAssertEqual(
            try PointWire.payloadSelector(object(#"{"with_payload": ["a"]}"#), default: .none),
            .include(["a"])
        )
        XCTAssertEqual(
            try PointWire.payloadSelector(
                object(#"{"with_payload": {"exclude": ["b"]}}"#),
                default: .none
            ),
            .exclude(["b"])
        )
        XCTAssertEqual(
            try PointWire.vectorSelector(object(#"{"with_vector": ["v"]}"#), default: .none),
            .named(["v"])
        )
        assertBadInput(
            try PointWire.payloadSelector(object(#"{"with_payload": 3}"#), default: .none),
            field: "with_payload"
        )
    }

    func testSelectionNeedsExactlyOneOfPointsOrFilter() throws {
        guard case .ids(let ids) = try PointWire.selection(object(#"{"points": [1, 2]}"#)) else {
            return XCTFail("expected ids")
        }
        XCTAssertEqual(ids, [.number(1), .number(2)])
        assertBadInput(try PointWire.selection(object("{}")), field: "points")
        assertBadInput(
            try PointWire.selection(object(#"{"points": [1, "x"]}"#)),
            field: "points[1]"
        )
    }

    // MARK: - Query and search

    func testQueryForms() throws {
        XCTAssertEqual(
            try QueryWire.query(object(#"{"query": [1, 2]}"#)).query,
            .nearest(.dense([1, 2]))
        )
        XCTAssertEqual(
            try QueryWire.query(object(#"{"query": {"nearest": [3]}}"#)).query,
            .nearest(.dense([3]))
        )
        XCTAssertEqual(try QueryWire.query(object(#"{"query": 7}"#)).query, .point(.number(7)))
        XCTAssertEqual(
            try QueryWire.query(
                object(#"{"query": {"order_by": {"key": "t", "direction": "desc"}}}"#)
            ).query,
            .orderBy(key: "t", descending: true)
        )
        let spec = try QueryWire.query(
            object(
                """
                {"query": {"fusion": "rrf"}, "prefetch": [{"query": [1], "limit": 20, "using": "a"},
                 {"query": [2], "using": "b"}], "limit": 5, "offset": 2, "with_payload": true,
                 "params": {"hnsw_ef": 64, "exact": true}, "score_threshold": 0.1}
                """
            )
        )
        XCTAssertEqual(spec.query, .fusion(.rrf(k: 2, weights: nil)))
        XCTAssertEqual(spec.prefetch.map(\.using), ["a", "b"])
        XCTAssertEqual(spec.prefetch[0].limit, 20)
        XCTAssertEqual(spec.limit, 5)
        XCTAssertEqual(spec.offset, 2)
        XCTAssertEqual(spec.payload, .all)
        XCTAssertEqual(spec.ef, 64)
        XCTAssertTrue(spec.exact)
        XCTAssertEqual(spec.scoreThreshold, 0.1)
        XCTAssertEqual(
            try QueryWire.query(object(#"{"query": {"text": "hi"}}"#)).query,
            .nearest(.document(text: "hi", model: nil))
        )
    }

    /// Our rerank extension, in the shape `vecd query --rerank` sends it.
    func testRerankQueryOverPrefetch() throws {
        let spec = try QueryWire.query(object("""
            {"prefetch": {"query": {"text": "q"}, "limit": 50},
             "query": {"rerank": {"text": "q", "field": "text", "model": "ms-marco"}}, "limit": 5}
            """))
        XCTAssertEqual(spec.query, .rerank(text: "q", field: "text", model: "ms-marco"))
        XCTAssertEqual(spec.prefetch.first?.query, .nearest(.document(text: "q", model: nil)))
        XCTAssertEqual(spec.prefetch.first?.limit, 50)
        assertBadInput(try QueryWire.query(object(#"{"query": {"rerank": {"text": "q"}}}"#)),
                       field: "query")
    }

    func testQueryRejectsWhatWeDoNotRunNamingTheField() throws {
        assertBadInput(
            try QueryWire.query(object(#"{"query": {"fusion": "rrf"}}"#)),
            field: "query"
        )
        assertBadInput(
            try QueryWire.query(object(#"{"query": {"recommend": {"positive": [1]}}}"#)),
            field: "query.recommend"
        )
        assertBadInput(try QueryWire.query(object(#"{"query": [1], "limit": -1}"#)), field: "limit")
        assertBadInput(try QueryWire.query(object(#"{"query": "not-an-id"}"#)), field: "query")
        assertBadInput(
            try QueryWire.query(object(#"{"prefetch": [{"query": [1], "limit": "x"}]}"#)),
            field: "prefetch[0].limit"
        )
    }

    /// LiteLLM's semantic cache and RAG provider send this shape, `with_vectors` included.
    func testLegacySearchAcceptsLiteLLMBody() throws {
        let spec = try QueryWire.search(
            object(
                """
                {"vector": [0.1, 0.2], "limit": 1, "with_payload": true, "with_vectors": false,
                 "score_threshold": 0.8}
                """
            )
        )
        XCTAssertEqual(spec.query, .nearest(.dense([0.1, 0.2])))
        XCTAssertEqual(spec.limit, 1)
        XCTAssertEqual(spec.payload, .all)
        XCTAssertEqual(spec.vectors, .none)
        let named = try QueryWire.search(
            object(#"{"vector": {"name": "t", "vector": [1]}, "limit": 3}"#)
        )
        XCTAssertEqual(named.using, "t")
        assertBadInput(try QueryWire.search(object(#"{"limit": 3}"#)), field: "vector")
    }

    func testFiltersAreStrictAndNameTheUnknownKey() throws {
        for body in [
            #"{"query": [1], "filter": {"must": [{"key": "a", "matchh": {"value": 1}}]}}"#,
            #"{"query": [1], "filter": {"mustt": []}}"#,
        ] {
            XCTAssertThrowsError(try QueryWire.query(object(body))) { error in
                let wrapped = ServiceError.wrap(error)
                XCTAssertEqual(ErrorMapping.of(wrapped).status, 400)
                XCTAssertTrue(
                    "\(wrapped)".contains("matchh") || "\(wrapped)".contains("mustt"),
                    "\(wrapped)"
                )
            }
        }
        assertBadInput(
            try QueryWire.query(object(#"{"query": [1], "filter": [1]}"#)),
            field: "filter"
        )
    }

    /// Prefetch re-scoring and search by point id add `has_id` to the caller's filter; the
    /// store's parser must accept the result and keep the caller's conditions.
    func testComposedHasIDFiltersParseAndKeepTheCallersConditions() throws {
        let callers: JSONValue = ["must": ["key": "lang", "match": ["value": "en"]]]
        let within = try Filter(
            json: QueryExecutor.adding(hasID: [.number(4)], to: callers, negated: false)
        )
        XCTAssertTrue(within.matches(id: .number(4), payload: ["lang": "en"], vectorNames: []))
        XCTAssertFalse(within.matches(id: .number(5), payload: ["lang": "en"], vectorNames: []))
        XCTAssertFalse(within.matches(id: .number(4), payload: ["lang": "de"], vectorNames: []))
        let excluding = try Filter(
            json: QueryExecutor.adding(hasID: [.number(4)], to: nil, negated: true)
        )
        XCTAssertFalse(excluding.matches(id: .number(4), payload: [:], vectorNames: []))
        XCTAssertTrue(excluding.matches(id: .number(5), payload: [:], vectorNames: []))
    }

    // MARK: - Updates

    func testBatchOperationsAreAllParsedBeforeAnyRuns() throws {
        let operations = try UpdateWire.batch(
            object(
                """
                {"operations": [{"upsert": {"points": [{"id": 1, "vector": [1]}]}},
                                {"set_payload": {"payload": {"a": 1}, "points": [1], "key": "m"}},
                                {"delete_payload": {"keys": ["a"], "points": [1]}},
                                {"clear_payload": {"points": [1]}}, {"delete": {"points": [1]}}]}
                """
            )
        )
        XCTAssertEqual(operations.count, 5)
        assertBadInput(
            try UpdateWire.batch(
                object(
                    """
                    {"operations": [{"upsert": {"points": [{"id": 1, "vector": [1]}]}},
                                    {"delete": {"points": ["bad id"]}}]}
                    """
                )
            ),
            field: "operations[1].delete.points[0]"
        )
        assertBadInput(
            try UpdateWire.batch(object(#"{"operations": [{"update_vectors": {}}]}"#)),
            field: "operations[0].update_vectors"
        )
    }

    func testFieldIndexSchemaForms() throws {
        let (field, schema) = try UpdateWire.fieldIndex(
            object(
                #"{"field_name": "tenant", "field_schema": {"type": "keyword", "is_tenant": true}}"#
            )
        )
        XCTAssertEqual(field, "tenant")
        XCTAssertEqual(schema, PayloadFieldSchema(kind: .keyword, parameters: ["is_tenant": true]))
        XCTAssertEqual(
            try UpdateWire.fieldIndex(
                object(
                    #"{"field_name": "n", "field_schema": "integer"}"#
                )
            ).1.kind,
            .integer
        )
        assertBadInput(
            try UpdateWire.fieldIndex(object(#"{"field_name": "n", "field_schema": "int"}"#)),
            field: "field_schema",
            mentions: "int"
        )
    }

    func testWaitMapsToDurabilityAndStatus() throws {
        XCTAssertEqual(
            try Wire.durability(Request(method: "PUT", path: "/", query: ["wait": "true"])),
            .synced
        )
        XCTAssertEqual(try Wire.durability(Request(method: "PUT", path: "/")), .buffered)
        XCTAssertEqual(
            Wire.updateResult(.synced, operationID: 3),
            ["operation_id": 3, "status": "completed"]
        )
        XCTAssertEqual(Wire.updateResult(.buffered, operationID: 4)["status"], "acknowledged")
        assertBadInput(
            try Wire.durability(Request(method: "PUT", path: "/", query: ["wait": "soon"])),
            field: "wait"
        )
    }

    // MARK: - Responses

    func testScoredPointShape() {
        let point = ScoredPoint(
            id: .number(3),
            score: 0.1,
            version: 2,
            payload: ["a": 1],
            vectors: [defaultVectorName: [0.25]]
        )
        XCTAssertEqual(
            PointWire.scored(point),
            ["id": 3, "version": 2, "score": 0.1, "payload": ["a": 1], "vector": [0.25]]
        )
        let bare = PointWire.scored(ScoredPoint(id: .number(1), score: 1))
        XCTAssertEqual(bare["payload"], .null)
        XCTAssertEqual(PointWire.vectors(["a": [1], "b": [2]]), ["a": [1.0], "b": [2.0]])
    }

    func testBodyParsingErrors() throws {
        let malformed = Request(method: "POST", path: "/", body: Array("{nope".utf8))
        XCTAssertThrowsError(try WireObject.body(malformed)) { error in
            guard case .malformedJSON = ServiceError.wrap(error) else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try WireObject.body(Request(method: "POST", path: "/")).members, [:])
        XCTAssertThrowsError(
            try WireObject.body(Request(method: "POST", path: "/", body: Array("[1]".utf8)))
        )
    }
}
