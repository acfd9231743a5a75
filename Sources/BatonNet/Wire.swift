import BatonCore
import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// What every heartbeat carries after the packet header: the sender's view of itself, in JSON.
///
/// The cluster state itself does not fit in a packet: the summary carries its digest, and a node whose
/// digest differs from its senior's fetches the full state with a unicast request, in parts. `held` lists the groups
/// the sender's state file says it ran last, with their generations, so that nodes forming a cluster can tell who
/// holds the newest data; when the summary does not fit in a packet, `held` is left out and peers read the same facts
/// from the full state they fetch.
public struct Summary: Codable, Hashable, Sendable {
    /// The sender's role.
    public var role: NodeRole
    /// The node the sender takes plans from (itself when it is the senior), once it knows one.
    public var senior: String?
    /// That senior's term: raised by every node that becomes the senior, so that what an earlier senior sent is
    /// known to be stale.
    public var term: UInt64
    /// The digest of that state (``WireCoding/digest(_:)``); a node whose state differs from its senior's fetches it.
    public var digest: String
    /// Groups the sender ran last, by name, with their generations.
    public var held: [String: Int]?
    /// The digest of the sender's configuration file: nodes whose digests differ do not plan
    /// together.
    public var config: String
    /// The digest of each section of it, so that a peer can name what differs; left out like `held` when the
    /// summary does not fit.
    public var sections: [String: String]?
    /// Whether the sender reaches the tiebreaker; left out when it does not know yet, or the cluster has none.
    public var tiebreaker: Bool?
    /// The epoch of the sender's configuration, raised by every `baton config apply`; left out when 0.
    public var epoch: UInt64?
    /// The digest of a configuration the sender holds ready to take (`baton config apply` under way).
    public var staged: String?

    /// Creates a summary.
    public init(
        role: NodeRole, senior: String?, term: UInt64, digest: String, held: [String: Int]?, config: String,
        sections: [String: String]?, tiebreaker: Bool? = nil, epoch: UInt64? = nil, staged: String? = nil
    ) {
        self.epoch = epoch
        self.staged = staged
        self.role = role
        self.senior = senior
        self.term = term
        self.digest = digest
        self.held = held
        self.config = config
        self.sections = sections
        self.tiebreaker = tiebreaker
    }
}

/// An action the senior node asks a node to run, with its number in the senior's run.
public struct ActionRequest: Codable, Hashable, Sendable {
    /// Its number in the sender's run.
    public var id: UInt64
    /// The sender's term as the senior; a node runs only actions of its senior's current term.
    public var term: UInt64
    /// The action.
    public var kind: ActionKind
    /// Its group and resource, when it has them.
    public var group: String?
    /// The resource.
    public var resource: String?
    /// How long it may take.
    public var timeoutMilliseconds: Int64
    /// A monitor's interval.
    public var intervalMilliseconds: Int64?
    /// The node a fence is about.
    public var target: String?
    /// How a fence fences it.
    public var fence: FencePlan?
    /// A start whose resource's last node is gone (``PlannedAction/holderGone``); absent when not.
    public var holderGone: Bool?

    /// Creates a request.
    public init(
        id: UInt64, term: UInt64, kind: ActionKind, group: String?, resource: String?, timeoutMilliseconds: Int64,
        intervalMilliseconds: Int64?, target: String? = nil, fence: FencePlan? = nil
    ) {
        self.id = id
        self.term = term
        self.kind = kind
        self.group = group
        self.resource = resource
        self.timeoutMilliseconds = timeoutMilliseconds
        self.intervalMilliseconds = intervalMilliseconds
        self.target = target
        self.fence = fence
    }
}

/// What a node sends to one peer besides heartbeats and state: requests, and their results.
public enum Message: Codable, Hashable, Sendable {
    /// From the senior: run this action.
    case action(ActionRequest)
    /// To the senior: the action numbered `id` ended so.
    case result(id: UInt64, ActionOutcome)
    /// To the senior: a recurring monitor on the sender failed.
    case monitorFailed(id: UInt64, resource: String, code: Int)
    /// To the senior: an administrator asked for this on the sender's control socket.
    case request(id: UInt64, AdministratorRequest)
    /// To the senior: the same, answered once its transition ended (`--wait`).
    case awaitedRequest(id: UInt64, AdministratorRequest)
}

/// JSON for the engine's messages, with sorted keys so the same value gives the same bytes.
public enum WireCoding {
    /// JSON with sorted keys; empty when `value` cannot be encoded.
    public static func encode(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(value))) ?? []
    }

    /// The value, or `nil` when `bytes` are not one.
    public static func decode<Value: Decodable>(_ type: Value.Type, _ bytes: [UInt8]) -> Value? {
        try? JSONDecoder().decode(type, from: Data(bytes))
    }

    /// The first 8 bytes of the SHA-256 of `bytes`, in hex.
    public static func digest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).prefix(8).map(\.hexDigits).joined()
    }
}

/// The full cluster state in parts that each fit in a packet, and their reassembly.
///
/// A part is the state's version (8 bytes), its number and the number of parts (2 bytes each), then a slice of the
/// state's JSON.
struct StateParts {
    static let headerSize = 12

    /// The JSON of `state` cut into parts of at most `capacity` bytes.
    static func split(_ json: [UInt8], version: UInt64, capacity: Int) -> [[UInt8]] {
        let size = capacity - headerSize
        let count = max(1, (json.count + size - 1) / size)
        guard count <= Int(UInt16.max) else { return [] }
        return (0..<count).map { index in
            var part = withUnsafeBytes(of: version.bigEndian, Array.init)
            part += withUnsafeBytes(of: UInt16(index).bigEndian, Array.init)
            part += withUnsafeBytes(of: UInt16(count).bigEndian, Array.init)
            return part + json[(index * size)..<min(json.count, (index + 1) * size)]
        }
    }

    private(set) var version: UInt64 = 0
    private var parts: [[UInt8]?] = []

    /// Adds a part; returns the whole JSON and its version once every part of one version arrived.
    mutating func add(_ bytes: [UInt8]) -> (version: UInt64, json: [UInt8])? {
        guard bytes.count >= Self.headerSize else { return nil }
        let version = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let index = Int(bytes[8]) << 8 | Int(bytes[9])
        let count = Int(bytes[10]) << 8 | Int(bytes[11])
        guard count > 0, index < count else { return nil }
        if version != self.version || parts.count != count {
            self.version = version
            parts = Array(repeating: nil, count: count)
        }
        parts[index] = Array(bytes[Self.headerSize...])
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        let json = parts.reduce(into: [UInt8]()) { $0 += $1! }
        parts = []
        return (version, json)
    }
}
