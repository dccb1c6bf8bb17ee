import VecCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A memory-mapped `.safetensors` file: an 8-byte little-endian header length, a JSON header
/// mapping tensor names to `{dtype, shape, data_offsets}`, then the raw little-endian data.
///
/// Mapping instead of reading keeps the parts of a checkpoint that are used as stored (the
/// embedding tables, norms, biases, heads) out of the heap: F32 tensors are used in place and
/// the kernel pages them in on first use. Query, key and value weights are stacked into one copy
/// at load (`LayerWeights`), after which `releasePages(of:)` gives their mapped pages back.
final class SafetensorsFile: @unchecked Sendable {
    /// One header entry; `range` is absolute within the file.
    struct Entry: Equatable {
        var dataType: String
        var shape: [Int]
        var range: Range<Int>
    }

    let path: String
    /// Every tensor in the header (the `__metadata__` entry is skipped).
    let entries: [String: Entry]
    private let base: UnsafeRawPointer
    private let length: Int

    /// Maps `path` and parses its header.
    ///
    /// - Throws: `EmbeddingError.missingFile` when the file does not exist, `.invalidFile` when
    ///   the header is malformed or a tensor's offsets fall outside the file.
    init(path: String) throws(EmbeddingError) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            if errno == ENOENT { throw .missingFile(path: path) }
            throw .invalidFile(path: path, reason: "open failed with errno \(errno)")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw .invalidFile(path: path, reason: "fstat failed with errno \(errno)")
        }
        let size = Int(info.st_size)
        guard size >= 8 else {
            throw .invalidFile(path: path, reason: "\(size) bytes is too short")
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED
        else { throw .invalidFile(path: path, reason: "mmap failed with errno \(errno)") }
        do {
            self.entries = try Self.parseHeader(UnsafeRawPointer(mapped), size: size, path: path)
        } catch {
            munmap(mapped, size)
            throw error
        }
        self.path = path
        self.base = UnsafeRawPointer(mapped)
        self.length = size
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// Reads the header JSON and checks every entry's offsets against the file size.
    private static func parseHeader(
        _ base: UnsafeRawPointer,
        size: Int,
        path: String
    ) throws(EmbeddingError) -> [String: Entry] {
        let headerLength = Int(UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 0, headerLength <= size - 8 else {
            throw .invalidFile(path: path, reason: "header length \(headerLength) exceeds the file")
        }
        let bytes = UnsafeRawBufferPointer(start: base + 8, count: headerLength)
        let header: JSONValue
        do { header = try JSONValue.parse(bytes) } catch {
            throw .invalidFile(path: path, reason: "header is not JSON: \(error)")
        }
        guard let members = header.objectValue else {
            throw .invalidFile(path: path, reason: "header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        var entries: [String: Entry] = [:]
        for (name, value) in members where name != "__metadata__" {
            guard let dataType = value["dtype"]?.stringValue,
                let shape = value["shape"]?.arrayValue?.compactMap({ $0.intValue }),
                let offsets = value["data_offsets"]?.arrayValue?.compactMap({ $0.intValue }),
                offsets.count == 2, offsets[0] <= offsets[1]
            else { throw .invalidFile(path: path, reason: "malformed header entry `\(name)`") }
            let range = (dataStart + Int(offsets[0]))..<(dataStart + Int(offsets[1]))
            guard range.upperBound <= size else {
                throw .invalidFile(path: path, reason: "tensor `\(name)` ends past the file")
            }
            entries[name] = Entry(dataType: dataType, shape: shape.map { Int($0) }, range: range)
        }
        return entries
    }

    /// Whether the file holds a tensor called `name`.
    func contains(_ name: String) -> Bool { entries[name] != nil }

    /// The tensor `name` as float32, checked against `shape`.
    ///
    /// F32 data is used in place when 4-byte aligned; F16 and BF16 are widened into a new
    /// allocation (cheap next to a forward pass, and done once at load).
    ///
    /// - Throws: `.missingTensor`, `.tensorShapeMismatch` (naming both shapes),
    ///   `.unsupportedDataType`, or `.invalidFile` when the byte size does not match the shape.
    func tensor(_ name: String, shape expected: [Int]) throws(EmbeddingError) -> Tensor {
        guard let entry = entries[name] else { throw .missingTensor(name: name, path: path) }
        guard entry.shape == expected else {
            throw .tensorShapeMismatch(name: name, expected: expected, actual: entry.shape)
        }
        let count = expected.reduce(1, *)
        let width: Int
        switch entry.dataType {
        case "F32": width = 4
        case "F16", "BF16": width = 2
        default: throw .unsupportedDataType(name: name, dataType: entry.dataType)
        }
        guard entry.range.count == count * width else {
            throw .invalidFile(
                path: path,
                reason: "tensor `\(name)` has \(entry.range.count) bytes for \(count) "
                    + "\(entry.dataType) values"
            )
        }
        let start = base + entry.range.lowerBound
        if entry.dataType == "F32", Int(bitPattern: start) % 4 == 0 {
            return Tensor(
                shape: expected,
                borrowing: start.assumingMemoryBound(to: Float.self),
                owner: self
            )
        }
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        for index in 0..<count {
            memory[index] = Self.decode(start, index: index, dataType: entry.dataType)
        }
        return Tensor(shape: expected, adopting: memory)
    }

    /// Drops the mapped pages that lie wholly inside tensor `name`'s data from this process's
    /// resident memory, for a tensor that was copied into another layout and will not be read
    /// again. The mapping is private and never written, so a later read (a `Tensor` still
    /// borrowing it) pages the same bytes back in from the file: this saves memory and never
    /// changes a value.
    func releasePages(of name: String) {
        guard let range = entries[name]?.range else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = (range.lowerBound + page - 1) / page * page
        let end = range.upperBound / page * page
        guard end > first else { return }
        // Advice only: a failure leaves the pages resident, which is what not asking does.
        _ = madvise(
            UnsafeMutableRawPointer(mutating: base + first),
            end - first,
            MADV_DONTNEED
        )
    }

    /// One little-endian element widened to Float.
    @inline(__always)
    private static func decode(_ start: UnsafeRawPointer, index: Int, dataType: String) -> Float {
        switch dataType {
        case "F32":
            return Float(
                bitPattern: UInt32(littleEndian: (start + index * 4).loadUnaligned(as: UInt32.self))
            )
        case "BF16":
            let bits = UInt16(littleEndian: (start + index * 2).loadUnaligned(as: UInt16.self))
            return Float(bitPattern: UInt32(bits) << 16)
        default:
            let bits = UInt16(littleEndian: (start + index * 2).loadUnaligned(as: UInt16.self))
            return Float(floatFromHalf(bits))
        }
    }
}

/// IEEE half-precision decoding by hand: `Float16` is unavailable on some x86_64 toolchains.
@inline(__always)
private func floatFromHalf(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int((bits >> 10) & 0x1F)
    let mantissa = Float(bits & 0x3FF)
    switch exponent {
    case 0: return sign * mantissa * 0x1p-24
    case 31: return mantissa == 0 ? sign * .infinity : .nan
    default:
        return sign * (1 + mantissa / 1024)
            * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}

extension SafetensorsFile {
    /// Writes float32 tensors as a `.safetensors` file (used to build test checkpoints, such as
    /// a cross-encoder head on real encoder weights, and by the benchmark).
    ///
    /// - Throws: `.invalidFile` when the file cannot be written.
    static func write(
        _ tensors: [(name: String, shape: [Int], values: [Float])],
        to path: String
    ) throws(EmbeddingError) {
        var header: [String: JSONValue] = ["__metadata__": ["format": "pt"]]
        var offset = 0
        for tensor in tensors {
            precondition(
                tensor.values.count == tensor.shape.reduce(1, *),
                "write: `\(tensor.name)` values do not match its shape"
            )
            let size = tensor.values.count * 4
            header[tensor.name] = .object([
                "dtype": "F32",
                "shape": .array(tensor.shape.map { .int(Int64($0)) }),
                "data_offsets": [.int(Int64(offset)), .int(Int64(offset + size))],
            ])
            offset += size
        }
        var headerBytes = JSONValue.object(header).serialized()
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }
        var data = [UInt8]()
        data.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: headerBytes)
        for tensor in tensors {
            for value in tensor.values {
                withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
        }
        guard let file = fopen(path, "wb") else {
            throw .invalidFile(path: path, reason: "cannot create (errno \(errno))")
        }
        defer { fclose(file) }
        guard fwrite(data, 1, data.count, file) == data.count else {
            throw .invalidFile(path: path, reason: "short write (errno \(errno))")
        }
    }
}
