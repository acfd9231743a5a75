import BatonCore
import Crypto

/// One signed packet between Baton nodes.
///
/// Wire format, integers big-endian:
///
/// | bytes | field |
/// | --- | --- |
/// | 4 | `BTN` and the protocol version, 1 |
/// | 1 | kind: 1 heartbeat, 2 state request, 3 state reply, 4 engine message |
/// | 1 + n | the cluster name: its length, then UTF-8 |
/// | 1 + n | the sender's node name: its length, then UTF-8 |
/// | 16 | the sender's boot identifier |
/// | 8 | sequence number, raised by one for every packet the sender's run sends |
/// | 8 | the sender's wall clock, milliseconds since the Unix epoch |
/// | 2 + n | payload (the state summary, or a digest of it): its length, then the bytes |
/// | 32 | HMAC-SHA256, with the cluster key, over every byte before it |
///
/// A packet is at most ``maximumSize`` bytes, so it never fragments on a 1,280-byte IPv6 path.
public struct HeartbeatPacket: Sendable, Hashable {
    /// What the packet is for.
    public enum Kind: UInt8, Sendable, Hashable {
        /// The periodic packet on every link, with the sender's state summary or its digest.
        case heartbeat = 1
        /// A request for the full state, when a heartbeat carried only a digest.
        case stateRequest = 2
        /// The full state, or one part of it.
        case stateReply = 3
        /// An engine message to one node: an action to run, its result, a report to the senior node.
        case message = 4
        /// A request for a configuration file, by its digest (`baton config apply`, or a node that returns to a
        /// cluster whose configuration changed meanwhile).
        case configRequest = 5
        /// A configuration file, or one part of it.
        case configReply = 6
    }

    /// The largest packet sent or accepted.
    public static let maximumSize = 1200
    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    static let magic: [UInt8] = [0x42, 0x54, 0x4E, version]
    static let macSize = 32

    /// What the packet is for.
    public var kind: Kind
    /// The cluster it belongs to.
    public var cluster: ClusterName
    /// The node that sent it.
    public var sender: NodeName
    /// The sender's current run.
    public var boot: BootIdentifier
    /// Its place in the sender's run.
    public var sequence: UInt64
    /// The sender's wall clock when it sent it.
    public var timestamp: Timestamp
    /// The state summary, or its digest.
    public var payload: [UInt8]

    /// Creates a packet.
    public init(
        kind: Kind, cluster: ClusterName, sender: NodeName, boot: BootIdentifier, sequence: UInt64,
        timestamp: Timestamp, payload: [UInt8] = []
    ) {
        self.kind = kind
        self.cluster = cluster
        self.sender = sender
        self.boot = boot
        self.sequence = sequence
        self.timestamp = timestamp
        self.payload = payload
    }

    /// The largest payload that fits with these names.
    public static func payloadCapacity(cluster: ClusterName, sender: NodeName) -> Int {
        maximumSize
            - (magic.count + 1 + 1 + cluster.rawValue.utf8.count + 1 + sender.rawValue.utf8.count + 16 + 8 + 8
                + 2 + macSize)
    }

    /// The signed bytes.
    /// - Returns: `nil` when the packet would exceed ``maximumSize``.
    public func encoded(key: SymmetricKey) -> [UInt8]? {
        guard payload.count <= Self.payloadCapacity(cluster: cluster, sender: sender) else { return nil }
        var bytes = Self.magic
        bytes.reserveCapacity(Self.maximumSize)
        bytes.append(kind.rawValue)
        for name in [cluster.rawValue, sender.rawValue] {
            bytes.append(UInt8(name.utf8.count))
            bytes += name.utf8
        }
        bytes += Self.bigEndian(boot.high) + Self.bigEndian(boot.low) + Self.bigEndian(sequence)
        bytes += Self.bigEndian(UInt64(bitPattern: timestamp.milliseconds))
        bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xff)] + payload
        bytes += HMAC<SHA256>.authenticationCode(for: bytes, using: key)
        return bytes
    }

    /// Reads a packet's fields without checking its signature: ``PacketVerifier`` does that.
    /// - Returns: the packet and the signed part's length, or `nil` when the bytes are not a packet.
    static func decode(_ bytes: [UInt8]) -> (packet: HeartbeatPacket, signedCount: Int)? {
        var reader = Reader(bytes: bytes)
        guard reader.take(4) == magic, let kind = reader.byte().flatMap(Kind.init(rawValue:)),
            let cluster: ClusterName = reader.identifier(),
            let sender: NodeName = reader.identifier(),
            let high = reader.integer(), let low = reader.integer(), let sequence = reader.integer(),
            let time = reader.integer(), let length = reader.take(2).map({ Int($0[0]) << 8 | Int($0[1]) }),
            let payload = reader.take(length), bytes.count - reader.offset == macSize
        else { return nil }
        let packet = HeartbeatPacket(
            kind: kind, cluster: cluster, sender: sender, boot: BootIdentifier(high: high, low: low),
            sequence: sequence, timestamp: Timestamp(milliseconds: Int64(bitPattern: time)), payload: payload)
        return (packet, reader.offset)
    }

    private static func bigEndian(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) }
    }

    /// Reads fields front to back; every read fails once the bytes run out.
    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func take(_ count: Int) -> [UInt8]? {
            guard count >= 0, bytes.count - offset >= count else { return nil }
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }

        mutating func byte() -> UInt8? { take(1)?[0] }

        mutating func integer() -> UInt64? {
            take(8)?.reduce(0) { $0 << 8 | UInt64($1) }
        }

        /// A length-prefixed name, when it is valid UTF-8 and a valid name of its kind.
        mutating func identifier<Kind>() -> Identifier<Kind>? {
            guard let count = byte(), let bytes = take(Int(count)), let text = String(validating: bytes, as: UTF8.self),
                Identifier<Kind>.syntaxError(in: text) == nil
            else { return nil }
            return Identifier(text)
        }
    }
}
