/// What a kind of identifier is called in messages ("node", "group").
public protocol IdentifierKind: Sendable {
    /// The noun used in diagnostics.
    static var noun: String { get }
}

/// A typed name: a `NodeName` cannot be passed where a `GroupName` is meant.
///
/// Names match `[A-Za-z0-9][A-Za-z0-9._-]*` and are at most 63 characters, so they fit in a heartbeat packet,
/// a host name label and a file name. The initializer does not check: the loader keeps a badly spelled name
/// so that references to it still match, and ``Identifier/syntaxError(in:)`` reports it once.
public struct Identifier<Kind: IdentifierKind>: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The name as written.
    public let rawValue: String

    /// Wraps a name without checking it; see ``syntaxError(in:)``.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// The name as written.
    public var description: String { rawValue }

    /// Orders by the raw name, byte for byte, so output never depends on the locale.
    public static func < (lhs: Identifier, rhs: Identifier) -> Bool {
        lhs.rawValue.utf8.lexicographicallyPrecedes(rhs.rawValue.utf8)
    }

    /// The longest name Baton accepts.
    public static var maximumLength: Int { 63 }

    /// Why `text` is not a valid name of this kind, or `nil` when it is.
    public static func syntaxError(in text: String) -> ValueError? {
        let bytes = text.utf8
        let hint = "use letters, digits, '.', '_' and '-', starting with a letter or digit"
        guard let first = bytes.first else {
            return ValueError(.badName, "empty \(Kind.noun) name", hint: hint)
        }
        if bytes.count > maximumLength {
            return ValueError(
                .badName, "\(Kind.noun) name '\(text)' is \(bytes.count) characters long",
                hint: "use at most \(maximumLength) characters")
        }
        guard first.isASCIIAlphanumeric,
            bytes.allSatisfy({ $0.isASCIIAlphanumeric || $0 == .dot || $0 == .underscore || $0 == .hyphen })
        else {
            return ValueError(.badName, "bad \(Kind.noun) name '\(text)'", hint: hint)
        }
        return nil
    }
}

extension Identifier: Codable {
    /// Decodes a name from a JSON string.
    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    /// Encodes the name as a JSON string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The kind tag of ``ClusterName``.
public enum ClusterKind: IdentifierKind {
    /// "cluster"
    public static var noun: String { "cluster" }
}

/// The kind tag of ``NodeName``.
public enum NodeKind: IdentifierKind {
    /// "node"
    public static var noun: String { "node" }
}

/// The kind tag of ``GroupName``.
public enum GroupKind: IdentifierKind {
    /// "group"
    public static var noun: String { "group" }
}

/// The kind tag of ``ResourceName``.
public enum ResourceKind: IdentifierKind {
    /// "resource"
    public static var noun: String { "resource" }
}

/// The name every heartbeat packet carries, so that two clusters on one LAN never mix.
public typealias ClusterName = Identifier<ClusterKind>
/// The name of a node.
public typealias NodeName = Identifier<NodeKind>
/// The name of a resource group.
public typealias GroupName = Identifier<GroupKind>
/// The name of a resource; unique in the whole cluster.
public typealias ResourceName = Identifier<ResourceKind>

extension UInt8 {
    static let dot = UInt8(ascii: ".")
    static let underscore = UInt8(ascii: "_")
    static let hyphen = UInt8(ascii: "-")
    static let colon = UInt8(ascii: ":")
    static let slash = UInt8(ascii: "/")

    var isASCIIDigit: Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) }
    var isASCIILetter: Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(self) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(self)
    }
    var isASCIIAlphanumeric: Bool { isASCIIDigit || isASCIILetter }
}

/// The kind tag of ``DeviceName``.
public enum DeviceKind: IdentifierKind {
    /// "fence device"
    public static var noun: String { "fence device" }
}

/// The name of a fence device.
public typealias DeviceName = Identifier<DeviceKind>
