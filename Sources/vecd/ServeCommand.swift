import Dispatch
import Foundation
import VecService
import VectorStore

/// `vecd serve`: opens the store, serves HTTP until SIGTERM or SIGINT, then drains requests
/// in flight, stops the threads and closes the store so every write is flushed.
func runServe(arguments: [String]) -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
        print(ServeConfiguration.usage)
        return 0
    }
    let configuration: ServeConfiguration
    do {
        configuration = try ServeConfiguration.load(
            arguments: arguments,
            environment: ProcessInfo.processInfo.environment
        )
    } catch {
        FileHandle.standardError.write(
            Data("vecd serve: \(error)\n\n\(ServeConfiguration.usage)\n".utf8)
        )
        return 2
    }
    Logger.bootstrap(minimumLevel: configuration.logLevel, handler: Logger.jsonLines)
    let logger = Logger(label: "vecd")
    do {
        try serve(configuration, logger: logger)
        return 0
    } catch {
        logger.log(.critical, "serve failed", metadata: ["error": "\(error)"])
        return 1
    }
}

private func serve(_ configuration: ServeConfiguration, logger: Logger) throws {
    let directory = configuration.dataDirectory!
    let store = try Store(directory: directory, logger: Logger(label: "vecd.store"))
    if configuration.adminKey == nil {
        logger.warning("no admin key: the admin API and JWTs are disabled")
    }
    let models: ModelHub?
    let audit: AuditLog?
    do {
        models = try ModelHub.configured(
            modelDirectory: configuration.modelDirectory,
            registryFile: configuration.modelRegistry,
            rerankerDirectory: configuration.rerankerDirectory,
            logger: Logger(label: "vecd.models"))
        audit = try configuration.auditLog.map {
            try AuditLog(path: $0, options: configuration.audit)
        }
    } catch {
        store.close()
        throw error
    }
    if let models {
        logger.notice("models", metadata: [
            "model.default": models.registry.defaultModel,
            "model.reranker": models.defaultReranker ?? "none",
        ])
    } else {
        logger.warning("no model configured: text inference and reranking answer 400")
    }
    let operations = Operations.standard(store: store, audit: audit)
    let service = Service(
        store: store, adminKey: configuration.adminKey, embedder: models, reranker: models,
        operations: operations)
    let server = HTTPServer(options: configuration.http, handler: service.handle)
    do {
        try server.start()
    } catch {
        store.close()
        throw error
    }

    let stop = DispatchSemaphore(value: 0)
    let sources = [SIGTERM, SIGINT].map { signalNumber -> DispatchSourceSignal in
        signal(signalNumber, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
        source.setEventHandler { stop.signal() }
        source.resume()
        return source
    }
    signal(SIGPIPE, SIG_IGN)
    // Tests and scripts read this line to learn the port when `--port 0` was given.
    print("vecd listening on http://\(configuration.http.host):\(server.port)")
    fflush(stdout)
    logger.notice(
        "listening",
        metadata: [
            "http.host": configuration.http.host, "http.port": String(server.port),
            "rocksdb.path": directory, "http.threads": String(configuration.http.threads),
        ]
    )

    stop.wait()
    logger.notice("shutting down")
    service.beginDraining()
    server.shutdown(grace: 10)
    // After the last request: every audit entry is on disk before we report stopped.
    operations.close()
    store.close()
    sources.forEach { $0.cancel() }
    logger.notice("stopped")
}
