import Foundation

/// Where an ingest run stands, as the progress display sees it.
public struct ProgressState: Sendable, Equatable {
    public enum Phase: String, Sendable { case scanning, uploading, done }

    public var phase: Phase = .scanning
    public var filesDone = 0
    public var filesTotal = 0
    public var chunksDone = 0
    public var chunksTotal = 0
    /// Seconds since uploading started.
    public var uploadSeconds = 0.0

    public init() {}

    /// Chunks uploaded per second so far; `nil` before the first batch lands.
    public var chunksPerSecond: Double? {
        guard chunksDone > 0, uploadSeconds > 0 else { return nil }
        return Double(chunksDone) / uploadSeconds
    }

    /// Estimated seconds left at the current rate.
    public var secondsLeft: Double? {
        guard let rate = chunksPerSecond else { return nil }
        return Double(chunksTotal - chunksDone) / rate
    }

    /// `12s`, `4m05s`, `1h02m`.
    public static func formatDuration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60)
    }

    /// The one-line status both displays print.
    public var statusLine: String {
        switch phase {
        case .scanning:
            return "scanning \(filesDone)/\(filesTotal) files"
        case .uploading, .done:
            var line = "files \(filesDone)/\(filesTotal)  chunks \(chunksDone)/\(chunksTotal)"
            if let rate = chunksPerSecond {
                line += String(format: "  %.1f chunks/s", rate)
            }
            if phase == .uploading, let left = secondsLeft {
                line += "  ETA " + Self.formatDuration(left)
            }
            return line
        }
    }
}

/// Shows progress: a redrawn bar on a terminal, occasional lines in a log.
public protocol ProgressDisplay: AnyObject {
    func update(_ state: ProgressState)
    /// A message that must stay visible (a skipped file, a retry).
    func note(_ message: String)
    func finish(_ state: ProgressState)
}

/// A bar redrawn in place with `\r`, at most ten times a second.
public final class TerminalProgress: ProgressDisplay {
    private let width: Int
    private var lastDraw = Date.distantPast
    private var isDrawn = false

    public init(width: Int = 24) { self.width = width }

    public func update(_ state: ProgressState) {
        guard Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
        draw(state)
    }

    public func note(_ message: String) {
        clearLine()
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    public func finish(_ state: ProgressState) {
        draw(state)
        print("")
        isDrawn = false
    }

    /// `[#########...............]` for the share of chunks (or files while scanning).
    public static func bar(done: Int, total: Int, width: Int) -> String {
        let share = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int((share * Double(width)).rounded(.down))
        return "[" + String(repeating: "#", count: filled)
            + String(repeating: ".", count: width - filled) + "]"
    }

    private func draw(_ state: ProgressState) {
        lastDraw = Date()
        let (done, total) =
            state.phase == .scanning
            ? (state.filesDone, state.filesTotal) : (state.chunksDone, state.chunksTotal)
        let line = Self.bar(done: done, total: total, width: width) + " " + state.statusLine
        // `\u{1B}[K` clears what a longer previous line left behind.
        print("\r" + line + "\u{1B}[K", terminator: "")
        fflush(stdout)
        isDrawn = true
    }

    private func clearLine() {
        guard isDrawn else { return }
        print("\r\u{1B}[K", terminator: "")
        fflush(stdout)
        isDrawn = false
    }
}

/// Plain lines for logs and pipes: one when a phase starts, then every `interval` seconds.
public final class LineProgress: ProgressDisplay {
    private let interval: Double
    private var lastLine = Date.distantPast
    private var lastPhase: ProgressState.Phase?

    public init(interval: Double = 10) { self.interval = interval }

    public func update(_ state: ProgressState) {
        let now = Date()
        guard state.phase != lastPhase || now.timeIntervalSince(lastLine) >= interval else {
            return
        }
        lastPhase = state.phase
        lastLine = now
        print("ingest: " + state.statusLine)
        fflush(stdout)
    }

    public func note(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    public func finish(_ state: ProgressState) {
        print("ingest: " + state.statusLine)
    }
}

/// Shows no progress, only notes: on standard error, and kept for tests to read.
public final class SilentProgress: ProgressDisplay {
    public private(set) var notes: [String] = []
    private let echoesNotes: Bool

    /// - Parameter echoesNotes: print notes to standard error (off in tests).
    public init(echoesNotes: Bool = true) { self.echoesNotes = echoesNotes }

    public func update(_ state: ProgressState) {}

    public func note(_ message: String) {
        notes.append(message)
        if echoesNotes { FileHandle.standardError.write(Data((message + "\n").utf8)) }
    }

    public func finish(_ state: ProgressState) {}
}
