import Foundation
import VecClient
import VecCore

/// Exit statuses of the client commands: `0` all done, `1` something failed at run time,
/// `2` the command line was wrong and nothing was tried.
enum ClientExitStatus {
    static let success: Int32 = 0
    static let failure: Int32 = 1
    static let usage: Int32 = 2
}

/// `vecd ingest …`: see `IngestOptions.usage`.
func runIngest(arguments: [String]) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    let options: IngestOptions
    do {
        options = try IngestOptions.parse(arguments, environment: environment)
    } catch {
        return reportArgumentError(error, command: "ingest", usage: IngestOptions.usage)
    }

    let model = IngestModel(directory: options.modelDirectory, environment: environment)
    let display = makeDisplay(options.progress)
    let chunker = Chunker(tokenizer: model.tokenizer(note: display.note), options: options.chunking)
    let client: CollectionClient
    do {
        let http = try HTTPClient(
            baseURL: options.server.url,
            apiKey: options.server.apiKey,
            timeout: options.timeout
        )
        client = CollectionClient(
            http: http,
            collection: options.server.collection,
            retry: retryPolicy(retries: options.retries)
        )
    } catch {
        printError("ingest", error.description)
        return ClientExitStatus.usage
    }
    client.onRetry = { error, wait in
        display.note(String(format: "retrying in %.1fs after: ", wait) + error.description)
    }

    let ingester = Ingester(
        client: client,
        chunker: chunker,
        batchSize: options.batchSize,
        model: options.model,
        display: display
    )
    ingester.isDryRun = options.isDryRun
    // A dry run never contacts the server, so there is nothing to prepare.
    if !options.isDryRun {
        do {
            try ingester.prepareCollection(
                create: options.create,
                dimension: options.dimension ?? model.dimension()
            )
        } catch {
            printError("ingest", error.description)
            return ClientExitStatus.failure
        }
    }
    let summary = ingester.run(paths: options.paths)
    print(summary.report)
    return summary.hasFailures ? ClientExitStatus.failure : ClientExitStatus.success
}

/// `vecd query …`: see `QueryOptions.usage`.
func runQuery(arguments: [String]) -> Int32 {
    let options: QueryOptions
    do {
        options = try QueryOptions.parse(
            arguments,
            environment: ProcessInfo.processInfo.environment
        )
    } catch {
        return reportArgumentError(error, command: "query", usage: QueryOptions.usage)
    }
    do {
        let http = try HTTPClient(
            baseURL: options.server.url,
            apiKey: options.server.apiKey,
            timeout: options.timeout
        )
        let client = CollectionClient(http: http, collection: options.server.collection)
        let answer = try client.query(options.requestBody)
        print(options.json ? answer.jsonString : QueryResultFormatter.format(answer))
        return ClientExitStatus.success
    } catch {
        printError("query", error.description)
        return ClientExitStatus.failure
    }
}

private func reportArgumentError(_ error: ArgumentError, command: String, usage: String) -> Int32 {
    if error == .helpRequested {
        print(usage)
        return ClientExitStatus.success
    }
    printError(command, error.description)
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    return ClientExitStatus.usage
}

private func printError(_ command: String, _ message: String) {
    FileHandle.standardError.write(Data("vecd \(command): error: \(message)\n".utf8))
}

/// `--retries N`: N retries after the first attempt, so N + 1 attempts.
private func retryPolicy(retries: Int) -> RetryPolicy {
    var policy = RetryPolicy.standard
    policy.retries = retries
    return policy
}

/// A bar when standard output is a terminal, plain lines when it is a file or a pipe.
private func makeDisplay(_ style: IngestOptions.ProgressStyle) -> ProgressDisplay {
    switch style {
    case .bar: return TerminalProgress()
    case .lines: return LineProgress()
    case .none: return SilentProgress()
    case .auto: return isatty(1) == 1 ? TerminalProgress() : LineProgress()
    }
}
