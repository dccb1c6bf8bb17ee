import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

final class AccessScopeTests: XCTestCase {
    private func prepared() throws -> TemporaryStore {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        for name in ["public", "secret"] {
            try session.createCollection(name, config: singleVectorConfig(size: 2))
            try session.upsert(name, points: [point(1, [1, 0])], durability: .synced)
        }
        return fixture
    }

    func testOutOfScopeCollectionAnswersExactlyLikeAMissingOne() throws {
        let fixture = try prepared()
        let scoped = try fixture.store.session(
            for: AccessScope(tenant: "acme", canWrite: true, collections: ["public"])
        )
        XCTAssertEqual(try scoped.collectionNames(), ["public"])
        XCTAssertFalse(try scoped.collectionExists("secret"))
        for name in ["secret", "missing"] {
            let message = "\(StoreError.collectionNotFound(name))"
            let calls: [() throws -> Void] = [
                { _ = try scoped.collectionInfo(name) },
                { _ = try scoped.retrieve(name, ids: [.number(1)], payload: .all, vectors: .all) },
                { _ = try scoped.scroll(name, request: ScrollRequest()) },
                { _ = try scoped.search(name, request: SearchRequest(vector: [1, 0])) },
                { _ = try scoped.count(name, filter: nil, exact: true) },
                { try scoped.upsert(name, points: [point(2, [0, 1])], durability: .synced) },
                { try scoped.delete(name, selection: .ids([.number(1)]), durability: .synced) },
            ]
            for call in calls {
                XCTAssertThrowsError(try call()) { error in
                    guard case StoreError.collectionNotFound(name) = error else {
                        return XCTFail("\(error)")
                    }
                    XCTAssertEqual("\(error)", message)
                }
            }
            XCTAssertFalse(try scoped.deleteCollection(name))
        }
        let full = try fixture.session(create: false)
        XCTAssertEqual(try full.count("secret", filter: nil, exact: true), 1, "nothing was deleted")
    }

    func testReadOnlyScopeCanReadButEveryWriteIsForbidden() throws {
        let fixture = try prepared()
        let reader = try fixture.store.session(for: AccessScope(tenant: "acme", canWrite: false))
        XCTAssertEqual(try reader.count("public", filter: nil, exact: true), 1)
        let writes: [() throws -> Void] = [
            { try reader.createCollection("new", config: singleVectorConfig(size: 2)) },
            { _ = try reader.deleteCollection("public") },
            { try reader.upsert("public", points: [point(2, [0, 1])], durability: .synced) },
            { try reader.delete("public", selection: .ids([.number(1)]), durability: .synced) },
            {
                try reader.setPayload(
                    "public",
                    payload: ["a": 1],
                    selection: .ids([.number(1)]),
                    key: nil,
                    durability: .synced
                )
            },
            {
                try reader.clearPayload(
                    "public",
                    selection: .ids([.number(1)]),
                    durability: .synced
                )
            },
            {
                try reader.createPayloadIndex(
                    "public",
                    field: "a",
                    schema: PayloadFieldSchema(kind: .keyword),
                    durability: .synced
                )
            },
        ]
        for write in writes {
            XCTAssertThrowsError(try write()) { error in
                guard case StoreError.forbidden = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertEqual(try reader.collectionNames(), ["public", "secret"])
    }

    func testScopedKeyCannotCreateCollectionsOutsideItsScope() throws {
        let fixture = try prepared()
        let scoped = try fixture.store.session(
            for: AccessScope(tenant: "acme", canWrite: true, collections: ["public", "fresh"])
        )
        XCTAssertThrowsError(
            try scoped.createCollection("other", config: singleVectorConfig(size: 2))
        ) {
            guard case StoreError.forbidden = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertNoThrow(try scoped.createCollection("fresh", config: singleVectorConfig(size: 2)))
    }
}
