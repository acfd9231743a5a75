/// The last bytes of one output stream, and the last line that starts with a prefix.
///
/// The limit keeps memory bounded whatever a program prints; the prefixed line is looked for in every line as it
/// passes, so an exit reason printed early survives a flood of output after it.
struct OutputTail {
    let limit: Int
    let prefix: [UInt8]?
    private(set) var bytes: [UInt8] = []
    private var line: [UInt8] = []
    private(set) var prefixedLine: String?

    init(limit: Int, prefix: String?) {
        self.limit = max(0, limit)
        self.prefix = prefix.map { Array($0.utf8) }
    }

    mutating func append(_ chunk: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: chunk)
        // Trim only when the buffer is twice the limit, so trimming costs O(1) per byte.
        if bytes.count > 2 * limit { bytes.removeFirst(bytes.count - limit) }
        guard prefix != nil else { return }
        for byte in chunk {
            if byte == UInt8(ascii: "\n") {
                finishLine()
            } else if line.count < 4096 {
                line.append(byte)
            }
        }
    }

    /// Ends the stream: trims to the limit and takes a last line without a newline.
    mutating func finish() {
        finishLine()
        if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
    }

    private mutating func finishLine() {
        if let prefix, line.starts(with: prefix) {
            let text = String(decoding: line.dropFirst(prefix.count), as: UTF8.self)
            prefixedLine = text.trimmingSpaces
        }
        line.removeAll(keepingCapacity: true)
    }
}
