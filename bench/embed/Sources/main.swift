import COpenBLAS
import Dispatch
import Embedder
import Foundation

/// Embedder throughput: sentences per second for batches of short, medium and long texts, and
/// the effective GFLOP/s against OpenBLAS's own sgemm peak on this machine.
///
///     swift run -c release embed-bench --model DIR [--texts OUT.json] [--seconds 3]
///         [--cases short:64,medium:32,long:8] [--peak]
///
/// `--texts` writes the generated texts so the Python baselines (bench_python.py) embed
/// exactly the same inputs. Output: one JSON line per case on stdout. Each batch is timed on
/// its own; the best (shortest) batch is the headline figure because this machine's two cores
/// are shared with other work, which only ever adds time; the median is printed beside it.
struct Options {
    var model =
        ProcessInfo.processInfo.environment["VECD_MODEL_DIR"]
        ?? ".cache/models/all-minilm-l6-v2"
    var textsPath: String?
    var seconds = 3.0
    var cases: [(name: String, batch: Int)] = [("short", 64), ("medium", 32), ("long", 8)]
    var peak = false

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--model": model = iterator.next() ?? model
            case "--texts": textsPath = iterator.next()
            case "--seconds": seconds = Double(iterator.next() ?? "") ?? seconds
            case "--peak": peak = true
            case "--cases":
                cases = (iterator.next() ?? "").split(separator: ",").map {
                    let parts = $0.split(separator: ":")
                    return (String(parts[0]), Int(parts[1]) ?? 1)
                }
            default:
                FileHandle.standardError.write("unknown argument \(argument)\n".data(using: .utf8)!)
            }
        }
    }
}

/// Total tokens (specials included) of each case.
let caseLengths = ["short": 16, "medium": 128, "long": 512]

/// Plain one-piece English words, cycled to reach an exact token count.
let words = """
    the vector store keeps points with data and searches them by short distance while \
    tenants share one process but never see each other collections books graphs layers \
    words documents answer question river mountain city music window garden science history
    """.split(separator: " ").map(String.init)

/// `count` texts of exactly `tokens` tokens each (checked with the model's tokenizer).
func makeTexts(count: Int, tokens: Int, tokenizer: WordPieceTokenizer) -> [String] {
    (0..<count).map { index in
        var pieces: [String] = []
        var position = index * 7
        while pieces.count < tokens - 2 {
            pieces.append(words[position % words.count])
            position += 1
        }
        let text = pieces.joined(separator: " ")
        precondition(tokenizer.countTokens(text) == tokens - 2, "bench text has the wrong length")
        return text
    }
}

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// CPU seconds used by the process so far (all threads): steadier than wall time on a shared
/// machine, where other processes take turns on the same cores.
func cpuTime() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// OpenBLAS sgemm GFLOP/s for `[m, k] x [k, n]` (best of several runs, so contention from
/// other processes on this shared machine does not lower the peak we compare against).
func sgemmRate(m: Int, n: Int, k: Int, transposeB: Bool) -> Double {
    let a = [Float](repeating: 0.5, count: m * k)
    let b = [Float](repeating: 0.25, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    var best = Double.infinity
    for _ in 0..<8 {
        let start = now()
        cblas_sgemm(
            CblasRowMajor,
            CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m),
            blasint(n),
            blasint(k),
            1,
            a,
            blasint(k),
            b,
            blasint(transposeB ? k : n),
            0,
            &c,
            blasint(n)
        )
        best = min(best, now() - start)
    }
    return 2 * Double(m) * Double(n) * Double(k) / best / 1e9
}

/// Three significant digits.
func rounded(_ value: Double) -> Double {
    let scale = pow(10, 2 - floor(log10(max(value, 1e-9))))
    return (value * scale).rounded() / scale
}

let options = Options(CommandLine.arguments)
let embedder = try TextEmbedder(
    directory: options.model,
    spec: ModelSpec(
        name: URL(fileURLWithPath: options.model).lastPathComponent,
        pooling: nil
    )
)
let config = embedder.configuration
let threads = Int(openblas_get_num_threads())
var textsByCase: [String: [String]] = [:]
if options.peak {
    let peak = sgemmRate(m: 2048, n: 2048, k: 2048, transposeB: false)
    let shaped = sgemmRate(
        m: 4096,
        n: config.intermediateSize,
        k: config.hiddenSize,
        transposeB: true
    )
    print(
        #"{"engine": "openblas-sgemm", "model": "\#(embedder.modelName)", "#
            + #""sgemm_peak_gflops": \#(Int(peak)), "sgemm_ffn_shape_gflops": \#(Int(shaped)), "#
            + #""threads": \#(threads)}"#
    )
}
for (name, batch) in options.cases {
    let tokens = caseLengths[name] ?? 16
    let texts = makeTexts(count: batch, tokens: tokens, tokenizer: embedder.tokenizer)
    textsByCase[name] = texts
    _ = try embedder.embed(texts)  // warm-up: page in the weights
    var durations: [Double] = []
    let start = now()
    let cpuStart = cpuTime()
    while now() - start < options.seconds || durations.count < 3 {
        let begin = now()
        _ = try embedder.embed(texts)
        durations.append(now() - begin)
    }
    let cpuPerBatch = (cpuTime() - cpuStart) / Double(durations.count)
    durations.sort()
    let best = durations[0]
    let median = durations[durations.count / 2]
    let flops =
        Double(config.layerCount)
        * config.flopsPerLayer(tokens: batch * tokens, length: tokens)
    print(
        #"{"engine": "vecd-swift", "model": "\#(embedder.modelName)", "case": "\#(name)", "#
            + #""tokens": \#(tokens), "batch": \#(batch), "runs": \#(durations.count), "#
            + #""sentences_per_s_best": \#(rounded(Double(batch) / best)), "#
            + #""sentences_per_s_median": \#(rounded(Double(batch) / median)), "#
            + #""gflops_best": \#(Int(flops / best / 1e9)), "#
            + #""cpu_ms_per_batch": \#(Int(cpuPerBatch * 1000)), "#
            + #""gflop_per_batch": \#(rounded(flops / 1e9)), "threads": \#(threads)}"#
    )
}
if let path = options.textsPath {
    let data = try JSONSerialization.data(withJSONObject: textsByCase, options: [.sortedKeys])
    try data.write(to: URL(fileURLWithPath: path))
}
