/// A read-only float32 tensor, row-major, either borrowed from a memory-mapped weights file or
/// owned (when the file stored F16/BF16, or an F32 tensor that is not 4-byte aligned).
///
/// The tensor keeps its source alive through `owner`, so a pointer taken from it stays valid
/// for the tensor's lifetime.
final class Tensor: @unchecked Sendable {
    /// Dimensions, outermost first (`[out, in]` for a PyTorch `Linear` weight).
    let shape: [Int]
    /// `shape.reduce(1, *)` floats starting here.
    let pointer: UnsafePointer<Float>
    private let owned: UnsafeMutablePointer<Float>?
    private let owner: AnyObject?

    /// Wraps memory that `owner` keeps alive (the mapped file).
    init(shape: [Int], borrowing pointer: UnsafePointer<Float>, owner: AnyObject) {
        self.shape = shape
        self.pointer = pointer
        self.owned = nil
        self.owner = owner
    }

    /// Copies `values` into a new allocation.
    init(shape: [Int], values: [Float]) {
        precondition(
            values.count == shape.reduce(1, *),
            "Tensor: \(values.count) values for \(shape)"
        )
        let memory = UnsafeMutablePointer<Float>.allocate(capacity: max(values.count, 1))
        values.withUnsafeBufferPointer { memory.initialize(from: $0.baseAddress!, count: $0.count) }
        self.shape = shape
        self.pointer = UnsafePointer(memory)
        self.owned = memory
        self.owner = nil
    }

    /// Takes ownership of an allocation of `shape.reduce(1, *)` initialised floats.
    init(shape: [Int], adopting memory: UnsafeMutablePointer<Float>) {
        self.shape = shape
        self.pointer = UnsafePointer(memory)
        self.owned = memory
        self.owner = nil
    }

    deinit { owned?.deallocate() }

    /// Number of elements.
    var count: Int { shape.reduce(1, *) }

    /// A copy of the elements. (No buffer accessor: a tensor used only as a temporary may be
    /// released before a caller finished reading through a returned pointer.)
    var values: [Float] {
        withExtendedLifetime(self) { Array(UnsafeBufferPointer(start: pointer, count: count)) }
    }
}
