import BatonCore

/// A YAML document as the reader leaves it: every node in one array, every node's children in another.
///
/// One array of small records instead of an array per mapping and sequence: a file of 50,000 resources has about
/// 750,000 nodes, and `baton validate` peaked at 160 MB with a tree of arrays (94 MB with this), with an allocation
/// per collection to make and to free. Immutable once read, so nodes share it.
final class YAMLTree: Sendable {
    /// What one node is; collections refer to their children through ``YAMLTree/children``.
    struct Record {
        enum Kind: UInt8 {
            case scalar
            case plainScalar
            case sequence
            case mapping
        }

        /// A scalar's text; empty for a collection.
        var text: String
        var kind: Kind
        var line: Int32
        var column: Int32
        /// Where the children start in ``YAMLTree/children``: the items of a sequence, key and value by turns for a
        /// mapping.
        var first: Int32
        /// How many entries of ``YAMLTree/children`` are this node's (twice the pairs for a mapping).
        var count: Int32
        /// How many nodes this one stands for once aliases are expanded; bounds "billion laughs" documents.
        var weight: Int32
    }

    let file: String
    let records: [Record]
    let children: [Int32]

    init(file: String, records: [Record], children: [Int32]) {
        self.file = file
        self.records = records
        self.children = children
    }
}

/// One node of a YAML document, with the position it was written at: a handle into its ``YAMLTree``.
public struct YAMLNode: Sendable {
    /// What a node holds.
    public enum Content: Sendable {
        /// Text. `isPlain` is true for an unquoted scalar without a tag, the only kind that may read as a
        /// number, a boolean or null.
        case scalar(String, isPlain: Bool)
        /// A list.
        case sequence(YAMLItems)
        /// Key-value pairs in file order; keys are unique scalars.
        case mapping(YAMLEntries)
    }

    let tree: YAMLTree
    let index: Int

    private var record: YAMLTree.Record { tree.records[index] }

    /// What the node holds.
    public var content: Content {
        let record = record
        let range = Int(record.first)..<Int(record.first + record.count)
        switch record.kind {
        case .scalar: return .scalar(record.text, isPlain: false)
        case .plainScalar: return .scalar(record.text, isPlain: true)
        case .sequence: return .sequence(YAMLItems(tree: tree, range: range))
        case .mapping: return .mapping(YAMLEntries(tree: tree, range: range))
        }
    }

    /// Where the node starts.
    public var location: SourceLocation {
        SourceLocation(file: tree.file, line: Int(record.line), column: Int(record.column))
    }

    /// The YAML type's name, for messages.
    public var kindName: String {
        switch record.kind {
        case .scalar, .plainScalar: isNull ? "nothing" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// Whether this is an empty plain scalar, `~` or `null`.
    public var isNull: Bool {
        guard record.kind == .plainScalar else { return false }
        switch record.text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }
}

/// The items of a sequence, in file order.
public struct YAMLItems: RandomAccessCollection, Sendable {
    let tree: YAMLTree
    let range: Range<Int>

    /// The first position.
    public var startIndex: Int { 0 }
    /// Past the last position.
    public var endIndex: Int { range.count }
    /// The item at `position`.
    public subscript(position: Int) -> YAMLNode {
        YAMLNode(tree: tree, index: Int(tree.children[range.lowerBound + position]))
    }
}

/// The key-value pairs of a mapping, in file order.
public struct YAMLEntries: RandomAccessCollection, Sendable {
    let tree: YAMLTree
    let range: Range<Int>

    /// The first position.
    public var startIndex: Int { 0 }
    /// Past the last position.
    public var endIndex: Int { range.count / 2 }
    /// The pair at `position`.
    public subscript(position: Int) -> YAMLEntry {
        let key = YAMLNode(tree: tree, index: Int(tree.children[range.lowerBound + 2 * position]))
        return YAMLEntry(
            key: tree.records[key.index].text, keyNode: key,
            value: YAMLNode(tree: tree, index: Int(tree.children[range.lowerBound + 2 * position + 1])))
    }
}

extension YAMLEntries {
    /// The value of `key`, or `nil` when the mapping does not have it.
    func value(for key: String) -> YAMLNode? {
        for pair in stride(from: range.lowerBound, to: range.upperBound, by: 2)
        where tree.records[Int(tree.children[pair])].text == key {
            return YAMLNode(tree: tree, index: Int(tree.children[pair + 1]))
        }
        return nil
    }
}

/// One key-value pair of a mapping.
public struct YAMLEntry: Sendable {
    /// The key's text.
    public var key: String
    let keyNode: YAMLNode
    /// The value.
    public var value: YAMLNode

    /// Where the key is written.
    public var keyLocation: SourceLocation { keyNode.location }
}
