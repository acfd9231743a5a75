import BatonCore
import CYAML

/// Reads YAML text into a ``YAMLNode`` tree with libyaml's event parser.
///
/// Anchors and aliases are resolved; `<<` merge keys are applied; duplicate keys, multiple documents,
/// nesting deeper than ``maximumDepth`` and aliases that expand beyond ``maximumAliasExpansion`` nodes are
/// reported as diagnostics. Syntax errors stop the reading: libyaml cannot resume after one.
struct YAMLReader {
    /// The deepest nesting accepted; a cluster.yaml needs about six levels.
    static let maximumDepth = 64
    /// How many nodes aliases may add in total, so an exponentially expanding document is refused.
    static let maximumAliasExpansion = 100_000

    /// A collection being read. Frames are mutated in place on the stack, so appending never copies the items.
    private struct Frame {
        let isMapping: Bool
        let start: SourceLocation
        let anchor: String?
        var items: [YAMLNode] = []
        var entries: [YAMLEntry] = []
        var pendingKey: YAMLNode?
        var merges: [YAMLNode] = []
        var weight = 1
    }

    private let file: String
    private let bytes: UnsafeBufferPointer<UInt8>
    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var aliasExpansion = 0
    private var documents = 0
    private(set) var root: YAMLNode?
    private(set) var diagnostics: [Diagnostic] = []

    /// Parses `bytes`; the results are in ``root`` and ``diagnostics``.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> (root: YAMLNode?, diagnostics: [Diagnostic])
    {
        var reader = YAMLReader(file: file, bytes: bytes)
        reader.run()
        return (reader.root, reader.diagnostics)
    }

    private init(file: String, bytes: UnsafeBufferPointer<UInt8>) {
        self.file = file
        self.bytes = bytes
    }

    private mutating func run() {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            fail(
                .tooLarge, at: location(line: 0, column: 0), "libyaml could not start",
                hint: "free some memory and try again")
            return
        }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_input_string(parser, bytes.baseAddress ?? UnsafePointer(bitPattern: 1), bytes.count)
        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(parser, &event) == 1 else {
                reportSyntaxError(parser.pointee)
                return
            }
            defer { yaml_event_delete(&event) }
            let type = event.type
            if type == YAML_STREAM_END_EVENT { return }
            if !handle(event) { return }
        }
    }

    /// Handles one event; returns false when reading must stop.
    private mutating func handle(_ event: yaml_event_t) -> Bool {
        let start = location(event.start_mark)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fail(
                    .syntax, at: start, "a second YAML document starts here",
                    hint: "a cluster.yaml holds exactly one document; remove the '---' and what follows, or merge them")
                return false
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
            return add(
                YAMLNode(content: .scalar(text, isPlain: isPlain), location: start, weight: 1),
                anchor: string(scalar.anchor))
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                fail(
                    .syntax, at: start, "alias '*\(name)' refers to no anchor",
                    hint: "define '&\(name)' before this alias")
                return false
            }
            aliasExpansion += target.weight
            if aliasExpansion > Self.maximumAliasExpansion {
                fail(
                    .tooLarge, at: start, "aliases expand to more than \(Self.maximumAliasExpansion) nodes",
                    hint: "the document repeats itself exponentially; write the repeated parts out or use fewer aliases"
                )
                return false
            }
            var copy = target
            copy.location = start
            return add(copy, anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            return push(Frame(isMapping: false, start: start, anchor: string(event.data.sequence_start.anchor)))
        case YAML_MAPPING_START_EVENT:
            return push(Frame(isMapping: true, start: start, anchor: string(event.data.mapping_start.anchor)))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            return pop()
        default:
            break
        }
        return true
    }

    private mutating func push(_ frame: Frame) -> Bool {
        guard stack.count < Self.maximumDepth else {
            fail(
                .tooLarge, at: frame.start, "nesting is deeper than \(Self.maximumDepth) levels",
                hint: "a cluster.yaml needs a few levels; flatten the structure")
            return false
        }
        // Room for a few children at once: an array grown one element at a time allocates three times for four.
        var frame = frame
        if frame.isMapping { frame.entries.reserveCapacity(4) } else { frame.items.reserveCapacity(4) }
        stack.append(frame)
        return true
    }

    private mutating func pop() -> Bool {
        var frame = stack.removeLast()
        guard frame.isMapping else {
            return add(
                YAMLNode(content: .sequence(frame.items), location: frame.start, weight: frame.weight),
                anchor: frame.anchor)
        }
        // `<<: *defaults`: keys written in the mapping win over merged ones; earlier merges win over later.
        for merge in frame.merges {
            guard case .mapping(let merged) = merge.content else { continue }
            for entry in merged where !frame.entries.contains(where: { $0.key == entry.key }) {
                frame.entries.append(entry)
                frame.weight += entry.value.weight
            }
        }
        return add(
            YAMLNode(content: .mapping(frame.entries), location: frame.start, weight: frame.weight),
            anchor: frame.anchor)
    }

    private mutating func add(_ node: YAMLNode, anchor: String?) -> Bool {
        if let anchor { anchors[anchor] = node }
        guard !stack.isEmpty else {
            root = node
            return true
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            stack[top].weight += node.weight
            return true
        }
        guard let key = stack[top].pendingKey else {
            stack[top].pendingKey = node
            return true
        }
        stack[top].pendingKey = nil
        stack[top].weight += node.weight
        guard case .scalar(let keyText, let isPlain) = key.content else {
            fail(
                .wrongType, at: key.location, "a mapping key must be text, found \(key.kindName)",
                hint: "write keys as plain words, such as 'name:'")
            return false
        }
        if keyText == "<<", isPlain {
            guard let mergeable = mergeSources(node) else {
                fail(
                    .wrongType, at: node.location, "a '<<' merge key takes a mapping or a list of mappings",
                    hint: "write '<<: *anchor' where the anchor is a mapping")
                return false
            }
            stack[top].merges += mergeable
        } else if let earlier = stack[top].entries.first(where: { $0.key == keyText }) {
            fail(
                .duplicateKey, at: key.location, "duplicate key '\(keyText)'",
                hint: "it is first written at \(earlier.keyLocation.position); keep one of them")
        } else {
            stack[top].entries.append(YAMLEntry(key: keyText, keyLocation: key.location, value: node))
        }
        return true
    }

    private func mergeSources(_ node: YAMLNode) -> [YAMLNode]? {
        switch node.content {
        case .mapping: return [node]
        case .sequence(let items) where items.allSatisfy({ if case .mapping = $0.content { true } else { false } }):
            return items
        default: return nil
        }
    }

    private mutating func fail(_ code: DiagnosticCode, at location: SourceLocation, _ message: String, hint: String) {
        diagnostics.append(Diagnostic(.error, code, at: location, message, hint: hint))
    }

    /// Turns libyaml's error into a diagnostic at the most useful position, with a hint for the usual causes.
    private mutating func reportSyntaxError(_ parser: yaml_parser_t) {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        let context = parser.context.map { String(cString: $0) }
        switch parser.error {
        case YAML_MEMORY_ERROR:
            fail(
                .tooLarge, at: location(line: 0, column: 0), "libyaml ran out of memory",
                hint: "the file is too large for this machine")
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset rather than a mark.
            let isEncoding = problem.contains("UTF") || problem.contains("octet")
            fail(
                .syntax,
                at: location(
                    ofByte: problem.contains("trailing")
                        ? characterStart(before: parser.problem_offset) : parser.problem_offset,
                    lines: lineStarts()),
                "the file is not valid text: \(problem)",
                hint: isEncoding ? "save the file as UTF-8" : "remove the control character at this position")
        default:
            let lines = lineStarts()
            let at = errorLocation(parser.problem_mark, lines: lines)
            let started = errorLocation(parser.context_mark, lines: lines)
            if indentation(ofLine: parser.problem_mark.line, lines: lines).contains(UInt8(ascii: "\t")) {
                fail(
                    .syntax, at: at, "tab character in indentation",
                    hint: "indent with spaces; YAML does not allow tabs there")
            } else if problem.contains("end of stream"), let context, context.contains("quoted scalar") {
                fail(
                    .syntax, at: started, "quoted text is never closed",
                    hint: "add the closing quote; the text runs to the end of the file")
            } else {
                let message = context.map { "\(problem) \($0)" } ?? problem
                let hint =
                    context != nil && started.line != at.line
                    ? "the construct starts at \(started.position); check indentation, colons and quotes between there and here"
                    : "check indentation, colons and quotes here"
                fail(.syntax, at: at, "YAML syntax: \(message)", hint: hint)
            }
        }
    }

    /// Where the character holding a bad trailing byte starts; libyaml points at the bad byte itself.
    private func characterStart(before offset: Int) -> Int {
        for back in 1...3 where offset - back >= 0 && offset - back < bytes.count {
            let byte = bytes[offset - back]
            if byte >= 0xC0 { return offset - back }
            if byte & 0xC0 != 0x80 { break }
        }
        return offset
    }

    /// YAML's line breaks, longest first: CRLF, CR, LF, NEL, LS, PS.
    private static let lineBreaks: [[UInt8]] = [
        [0x0D, 0x0A], [0x0D], [0x0A], [0xC2, 0x85], [0xE2, 0x80, 0xA8], [0xE2, 0x80, 0xA9],
    ]

    /// The byte offset where each line starts, lines broken as libyaml breaks them; computed only for an error.
    private func lineStarts() -> [Int] {
        var starts = [0]
        var index = 0
        while index < bytes.count {
            if let lineBreak = Self.lineBreaks.first(where: { bytes[index...].starts(with: $0) }) {
                index += lineBreak.count
                starts.append(index)
            } else {
                index += 1
            }
        }
        return starts
    }

    /// The line and column (in characters) of a byte offset, for errors that report only an offset.
    private func location(ofByte offset: Int, lines: [Int]) -> SourceLocation {
        let offset = min(offset, bytes.count)
        let line = lines.lastIndex { $0 <= offset } ?? 0
        let column = bytes[lines[line]..<offset].count { $0 & 0xC0 != 0x80 }
        return location(line: line, column: column)
    }

    /// An error mark, kept inside the file: at its end libyaml counts a line that is not there.
    private func errorLocation(_ mark: yaml_mark_t, lines: [Int]) -> SourceLocation {
        mark.line < lines.count ? location(mark) : location(ofByte: bytes.count, lines: lines)
    }

    /// The leading white space of a line.
    private func indentation(ofLine line: Int, lines: [Int]) -> ArraySlice<UInt8> {
        guard line < lines.count else { return [] }
        let rest = bytes[lines[line]...]
        return Array(rest.prefix { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })[...]
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        location(line: mark.line, column: mark.column)
    }

    private func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }
}
