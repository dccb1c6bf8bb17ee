// embedcorpus: embeds a text file (one sentence per line) with our TextEmbedder and writes the
// vectors as a C-order float32 `.npy` (rows in line order), for bench/ann on real embeddings.
//
//     embedcorpus --input base.txt --output base.npy [--model DIR] [--batch 2048]
//
// The model directory defaults to $VECD_MODEL_DIR, else .cache/models/all-minilm-l6-v2.
// Progress and throughput (sentences per CPU second and per wall second) go to stderr.
import Embedder
import Foundation

struct Options {
    var input = ""
    var output = ""
    var model = ProcessInfo.processInfo.environment["VECD_MODEL_DIR"]
        ?? ".cache/models/all-minilm-l6-v2"
    var batch = 2048

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw CorpusError("\(flag) needs a value") }
            switch flag {
            case "--input": input = value
            case "--output": output = value
            case "--model": model = value
            case "--batch":
                guard let parsed = Int(value), parsed > 0 else {
                    throw CorpusError("--batch \(value) is not a positive integer")
                }
                batch = parsed
            default: throw CorpusError("unknown option \(flag)")
            }
        }
        guard !input.isEmpty, !output.isEmpty else {
            throw CorpusError("usage: embedcorpus --input X.txt --output X.npy [--model DIR]")
        }
    }
}

struct CorpusError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The `.npy` v1 header for a `rows` x `columns` float32 C-order array, padded to 64 bytes.
func npyHeader(rows: Int, columns: Int) -> Data {
    var dictionary = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
    let unpadded = 10 + dictionary.utf8.count + 1
    dictionary += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
    let length = UInt16(dictionary.utf8.count)
    var header = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
    header.append(contentsOf: [UInt8(length & 0xff), UInt8(length >> 8)])
    header.append(Data(dictionary.utf8))
    return header
}

/// CPU seconds of the whole process (all threads).
func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func run() throws {
    let options = try Options(CommandLine.arguments)
    let text = try String(contentsOfFile: options.input, encoding: .utf8)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    let embedder = try TextEmbedder(directory: options.model)
    guard FileManager.default.createFile(atPath: options.output, contents: nil) else {
        throw CorpusError("cannot create \(options.output)")
    }
    let file = try FileHandle(forWritingTo: URL(fileURLWithPath: options.output))
    defer { try? file.close() }
    try file.write(contentsOf: npyHeader(rows: lines.count, columns: embedder.dimension))
    let (cpuStart, wallStart) = (cpuSeconds(), Date())
    var tokens = 0
    for start in stride(from: 0, to: lines.count, by: options.batch) {
        let batch = Array(lines[start..<min(start + options.batch, lines.count)])
        let embeddings = try embedder.embed(batch, kind: .document)
        var floats: [Float] = []
        floats.reserveCapacity(batch.count * embedder.dimension)
        for embedding in embeddings {
            floats += embedding.vector
            tokens += embedding.tokenCount
        }
        try file.write(contentsOf: floats.withUnsafeBytes { Data($0) })
        let done = start + batch.count
        let (cpu, wall) = (cpuSeconds() - cpuStart, Date().timeIntervalSince(wallStart))
        FileHandle.standardError.write(Data(String(
            format: "%d/%d sentences, %.1f tokens each, %.0f/CPU s, %.0f/wall s\n",
            done, lines.count, Double(tokens) / Double(done), Double(done) / cpu,
            Double(done) / wall).utf8))
    }
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("embedcorpus: \(error)\n".utf8))
    exit(2)
}
