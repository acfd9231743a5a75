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

    /// A collection being read. Its children wait in ``pending`` from `firstPending` on until it ends.
    private struct Frame {
        let isMapping: Bool
        let line: Int32
        let column: Int32
        let anchor: String?
        let firstPending: Int
        var merges: [Int32] = []
        var weight: Int32 = 1
    }

    private let file: String
    private let bytes: UnsafeBufferPointer<UInt8>
    private var stack: [Frame] = []
    private var records: [YAMLTree.Record] = []
    private var children: [Int32] = []
    /// The children of the open collections, innermost last; a mapping's are key and value by turns.
    private var pending: [Int32] = []
    private var anchors: [String: Int32] = [:]
    private var aliasExpansion = 0
    private var documents = 0
    private var root: Int32?
    private var diagnostics: [Diagnostic] = []

    /// Parses `bytes`; the root node, when the document has one, and every finding.
    static func read(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> (root: YAMLNode?, diagnostics: [Diagnostic])
    {
        var reader = YAMLReader(file: file, bytes: bytes)
        reader.records.reserveCapacity(bytes.count / 8)
        reader.children.reserveCapacity(bytes.count / 8)
        reader.run()
        let tree = YAMLTree(file: file, records: reader.records, children: reader.children)
        return (reader.root.map { YAMLNode(tree: tree, index: Int($0)) }, reader.diagnostics)
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
        let line = Int32(truncatingIfNeeded: event.start_mark.line + 1)
        let column = Int32(truncatingIfNeeded: event.start_mark.column + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fail(
                    .syntax, at: location(event.start_mark), "a second YAML document starts here",
                    hint: "a cluster.yaml holds exactly one document; remove the '---' and what follows, or merge them")
                return false
            }
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let isPlain = scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar.tag == nil
            records.append(
                YAMLTree.Record(
                    text: text, kind: isPlain ? .plainScalar : .scalar, line: line, column: column, first: 0,
                    count: 0, weight: 1))
            return add(Int32(records.count - 1), anchor: string(scalar.anchor))
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else {
                fail(
                    .syntax, at: location(event.start_mark), "alias '*\(name)' refers to no anchor",
                    hint: "define '&\(name)' before this alias")
                return false
            }
            aliasExpansion += Int(records[Int(target)].weight)
            if aliasExpansion > Self.maximumAliasExpansion {
                fail(
                    .tooLarge, at: location(event.start_mark),
                    "aliases expand to more than \(Self.maximumAliasExpansion) nodes",
                    hint: "the document repeats itself exponentially; write the repeated parts out or use fewer aliases"
                )
                return false
            }
            // The anchored node again, at the alias's position; its children are shared.
            var copy = records[Int(target)]
            copy.line = line
            copy.column = column
            records.append(copy)
            return add(Int32(records.count - 1), anchor: nil)
        case YAML_SEQUENCE_START_EVENT:
            return push(isMapping: false, line, column, anchor: string(event.data.sequence_start.anchor))
        case YAML_MAPPING_START_EVENT:
            return push(isMapping: true, line, column, anchor: string(event.data.mapping_start.anchor))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            return pop()
        default:
            break
        }
        return true
    }

    private mutating func push(isMapping: Bool, _ line: Int32, _ column: Int32, anchor: String?) -> Bool {
        guard stack.count < Self.maximumDepth else {
            fail(
                .tooLarge, at: location(line: Int(line) - 1, column: Int(column) - 1),
                "nesting is deeper than \(Self.maximumDepth) levels",
                hint: "a cluster.yaml needs a few levels; flatten the structure")
            return false
        }
        stack.append(
            Frame(isMapping: isMapping, line: line, column: column, anchor: anchor, firstPending: pending.count))
        return true
    }

    private mutating func pop() -> Bool {
        var frame = stack.removeLast()
        if frame.isMapping {
            // `<<: *defaults`: keys written in the mapping win over merged ones; earlier merges win over later.
            for merge in frame.merges {
                let source = records[Int(merge)]
                for pair in stride(from: Int(source.first), to: Int(source.first + source.count), by: 2)
                where earlierKey(records[Int(children[pair])].text, in: frame) == nil {
                    pending.append(children[pair])
                    pending.append(children[pair + 1])
                    frame.weight = Self.sum(frame.weight, records[Int(children[pair + 1])].weight)
                }
            }
        }
        let first = Int32(children.count)
        children.append(contentsOf: pending[frame.firstPending...])
        pending.removeSubrange(frame.firstPending...)
        records.append(
            YAMLTree.Record(
                text: "", kind: frame.isMapping ? .mapping : .sequence, line: frame.line, column: frame.column,
                first: first, count: Int32(children.count) - first, weight: frame.weight))
        return add(Int32(records.count - 1), anchor: frame.anchor)
    }

    /// Weights add up without overflowing: merges count merged values again, and a hostile file must not crash.
    private static func sum(_ first: Int32, _ second: Int32) -> Int32 { Int32(clamping: Int(first) + Int(second)) }

    /// The key `key` as the open mapping `frame` already has it, if it does.
    private func earlierKey(_ key: String, in frame: Frame) -> YAMLTree.Record? {
        for pair in stride(from: frame.firstPending, to: pending.count, by: 2)
        where records[Int(pending[pair])].text == key {
            return records[Int(pending[pair])]
        }
        return nil
    }

    private mutating func add(_ node: Int32, anchor: String?) -> Bool {
        if let anchor { anchors[anchor] = node }
        guard !stack.isEmpty else {
            root = node
            return true
        }
        let top = stack.count - 1
        guard stack[top].isMapping else {
            pending.append(node)
            stack[top].weight = Self.sum(stack[top].weight, records[Int(node)].weight)
            return true
        }
        // A mapping's children come key, value, key, value: an even count pending means this node is a key.
        guard (pending.count - stack[top].firstPending) % 2 == 1 else {
            let key = records[Int(node)]
            guard key.kind == .scalar || key.kind == .plainScalar else {
                fail(
                    .wrongType, at: location(of: key),
                    "a mapping key must be text, found \(key.kind == .sequence ? "a list" : "a mapping")",
                    hint: "write keys as plain words, such as 'name:'")
                return false
            }
            pending.append(node)
            return true
        }
        let keyIndex = pending.removeLast()
        let key = records[Int(keyIndex)]
        stack[top].weight = Self.sum(stack[top].weight, records[Int(node)].weight)
        if key.text == "<<", key.kind == .plainScalar {
            guard let mergeable = mergeSources(node) else {
                fail(
                    .wrongType, at: location(of: records[Int(node)]),
                    "a '<<' merge key takes a mapping or a list of mappings",
                    hint: "write '<<: *anchor' where the anchor is a mapping")
                return false
            }
            stack[top].merges += mergeable
        } else if let earlier = earlierKey(key.text, in: stack[top]) {
            fail(
                .duplicateKey, at: location(of: key), "duplicate key '\(key.text)'",
                hint: "it is first written at \(location(of: earlier).position); keep one of them")
        } else {
            pending.append(keyIndex)
            pending.append(node)
        }
        return true
    }

    /// The mappings a `<<` value merges: itself, or the items of a list of mappings.
    private func mergeSources(_ node: Int32) -> [Int32]? {
        let record = records[Int(node)]
        switch record.kind {
        case .mapping: return [node]
        case .sequence:
            let items = children[Int(record.first)..<Int(record.first + record.count)]
            return items.allSatisfy({ records[Int($0)].kind == .mapping }) ? Array(items) : nil
        case .scalar, .plainScalar: return nil
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

    private func location(of record: YAMLTree.Record) -> SourceLocation {
        SourceLocation(file: file, line: Int(record.line), column: Int(record.column))
    }

    private func location(_ mark: yaml_mark_t) -> SourceLocation {
        location(line: mark.line, column: mark.column)
    }

    private func location(line: Int, column: Int) -> SourceLocation {
        SourceLocation(file: file, line: line + 1, column: column + 1)
    }
}
