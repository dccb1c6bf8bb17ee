import Foundation
import XCTest

@testable import VecService

final class OpsMetricsTests: XCTestCase {
    func testCountersGaugesAndLabelEscapingRoundTripThroughTheParser() throws {
        let registry = MetricsRegistry()
        let counter = registry.counter("things_total", help: "Things.\nSecond line \\ ok",
                                       labels: ["tenant", "route"])
        let gauge = registry.gauge("level", help: "A level.")
        counter.add(1, ["a", "/x/{y}"])
        counter.add(2.5, ["a", "/x/{y}"])
        counter.add(1, ["we\"ird\\\nname", "/z"])
        gauge.set(-3.25)

        let parsed = try PrometheusText(registry.render())
        XCTAssertEqual(parsed.types["things_total"], "counter")
        XCTAssertEqual(parsed.types["level"], "gauge")
        XCTAssertEqual(parsed.help["things_total"], "Things.\nSecond line \\ ok")
        XCTAssertEqual(parsed.value("things_total", ["tenant": "a", "route": "/x/{y}"]), 3.5)
        XCTAssertEqual(parsed.value("things_total", ["tenant": "we\"ird\\\nname"]), 1)
        XCTAssertEqual(parsed.value("level"), -3.25)
    }

    func testHistogramHasCumulativeBucketsInfSumAndCount() throws {
        let registry = MetricsRegistry()
        let histogram = registry.histogram("latency_seconds", help: "Latency.",
                                           labels: ["route"], buckets: [0.1, 1])
        for value in [0.05, 0.1, 0.5, 3] { histogram.observe(value, ["/r"]) }

        let parsed = try PrometheusText(registry.render())
        XCTAssertEqual(parsed.types["latency_seconds"], "histogram")
        XCTAssertEqual(parsed.value("latency_seconds_bucket", ["route": "/r", "le": "0.1"]), 2,
                       "le is inclusive and buckets are cumulative")
        XCTAssertEqual(parsed.value("latency_seconds_bucket", ["route": "/r", "le": "1"]), 3)
        XCTAssertEqual(parsed.value("latency_seconds_bucket", ["route": "/r", "le": "+Inf"]), 4)
        XCTAssertEqual(parsed.value("latency_seconds_count", ["route": "/r"]), 4)
        XCTAssertEqual(parsed.value("latency_seconds_sum", ["route": "/r"]) ?? 0, 3.65,
                       accuracy: 1e-9)
    }

    func testLabelSetsPastTheBoundFoldIntoOneOverflowSeries() throws {
        let registry = MetricsRegistry(maxSeries: 3)
        let counter = registry.counter("c_total", help: "C.", labels: ["tenant"])
        for index in 0..<10 { counter.add(1, ["t\(index)"]) }
        let parsed = try PrometheusText(registry.render())
        XCTAssertEqual(parsed.samples("c_total").count, 4)
        XCTAssertEqual(parsed.value("c_total", ["tenant": MetricFamily.overflowValue]), 7)
        XCTAssertEqual(parsed.value("c_total", ["tenant": "t0"]), 1)
    }

    func testTenantViewShowsOnlyThatTenantsSeries() throws {
        let metrics = ServiceMetrics()
        metrics.recordRequest(tenant: "a", method: "GET", route: "/collections", status: 200,
                              seconds: 0.002)
        metrics.recordRequest(tenant: "b", method: "GET", route: "/collections", status: 429,
                              seconds: 0.001)
        metrics.setTenantSizeProvider {
            [TenantSizeSample(tenant: "a", points: 3, vectors: 3, storedBytes: 100,
                              collections: 1),
             TenantSizeSample(tenant: "b", points: 7, vectors: 14, storedBytes: 900,
                              collections: 2)]
        }

        let onlyA = try PrometheusText(metrics.registry.render(tenant: "a"))
        XCTAssertFalse(onlyA.samples.isEmpty)
        XCTAssertTrue(onlyA.samples.allSatisfy { $0.labels["tenant"] == "a" },
                      "every series in a tenant view carries that tenant")
        XCTAssertEqual(onlyA.value("vecd_tenant_points", ["tenant": "a"]), 3)
        XCTAssertNil(onlyA.types["vecd_process_resident_memory_bytes"])

        let all = try PrometheusText(metrics.registry.render())
        XCTAssertEqual(all.value("vecd_tenant_vectors", ["tenant": "b"]), 14)
        XCTAssertEqual(all.value("rest_responses_total",
                                 ["tenant": "b", "status": "429", "method": "GET"]), 1)
        XCTAssertEqual(all.value("rest_responses_duration_seconds_count",
                                 ["tenant": "a", "endpoint": "/collections"]), 1)
    }

    func testServiceMetricsExposeEveryIssue7Family() throws {
        let metrics = ServiceMetrics()
        metrics.embeddingTokens.add(120, ["a"])
        metrics.rerankPairs.add(10, ["a"])
        metrics.rateLimitRefusals.add(1, ["a", "read"])
        metrics.setSearchStatisticsProvider { [(tenant: "a", searches: 1, visitedNodes: 250)] }
        metrics.setRocksDBMemoryProvider { [("block_cache", 4096), ("memtables", 1024)] }

        let parsed = try PrometheusText(metrics.registry.render())
        XCTAssertEqual(parsed.value("vecd_embedding_tokens_total", ["tenant": "a"]), 120)
        XCTAssertEqual(parsed.value("vecd_rerank_pairs_total", ["tenant": "a"]), 10)
        XCTAssertEqual(parsed.value("vecd_rate_limit_refusals_total", ["tenant": "a"]), 1)
        XCTAssertEqual(parsed.value("vecd_hnsw_searches_total", ["tenant": "a"]), 1)
        XCTAssertEqual(parsed.value("vecd_hnsw_visited_nodes_total", ["tenant": "a"]), 250)
        XCTAssertEqual(parsed.value("vecd_rocksdb_memory_bytes", ["kind": "block_cache"]), 4096)
        let rss = try XCTUnwrap(parsed.value("vecd_process_resident_memory_bytes"))
        XCTAssertGreaterThan(rss, 1_048_576, "a Swift test process holds more than 1 MiB")
        for family in ["vecd_tenant_points", "vecd_tenant_stored_bytes",
                       "vecd_tenant_collections", "vecd_quota_refusals_total"] {
            XCTAssertNotNil(parsed.types[family], family)
        }
    }

    func testForgettingATenantDropsItsSeries() throws {
        let metrics = ServiceMetrics()
        metrics.embeddingTokens.add(5, ["gone"])
        metrics.embeddingTokens.add(5, ["kept"])
        metrics.forgetTenant("gone")
        let parsed = try PrometheusText(metrics.registry.render())
        XCTAssertTrue(parsed.samples(["tenant": "gone"]).isEmpty)
        XCTAssertEqual(parsed.value("vecd_embedding_tokens_total", ["tenant": "kept"]), 5)
    }

    func testParserRejectsMalformedText() {
        XCTAssertThrowsError(try PrometheusText("m{a=\"x} 1\n"))
        XCTAssertThrowsError(try PrometheusText("m 1"))
        XCTAssertThrowsError(try PrometheusText("m{a=\"\\q\"} 1\n"))
        XCTAssertThrowsError(try PrometheusText("m notanumber\n"))
    }
}

extension PrometheusText {
    /// Every sample whose labels include `labels`, whatever its name.
    func samples(_ labels: [String: String]) -> [Sample] {
        samples.filter { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }
}
