import BatonCore
import Crypto

/// Accepts the packets of this cluster's nodes, signed with its key, each once; drops and counts the rest.
///
/// Checks, in order: size, form, cluster name, signature (compared in constant time), sender, and freshness. A
/// packet is fresh when its sequence number was not seen yet from the same boot identifier and is among the
/// ``window`` highest seen (packets sent on several links one after another may arrive out of order); a packet
/// with a new boot identifier must be newer, by the sender's own clock, than the last one accepted from that
/// sender, so that a recorded packet of an earlier run cannot be replayed as a new incarnation.
public struct PacketVerifier: Sendable {
    /// Why a packet was dropped.
    public enum Rejection: String, Sendable, Hashable, CaseIterable, Codable {
        /// Larger than ``HeartbeatPacket/maximumSize``.
        case oversized
        /// Not a Baton packet of this protocol version.
        case malformed
        /// From another cluster.
        case foreignCluster = "foreign-cluster"
        /// The signature does not match this cluster's key.
        case forged
        /// Signed, but from a node this configuration does not list, or from this node itself.
        case unknownSender = "unknown-sender"
        /// Already seen, or older than what was seen.
        case replayed
    }

    /// How many packets were dropped, by reason.
    public private(set) var rejected: [Rejection: Int] = [:]
    /// How many packets were accepted.
    public private(set) var accepted = 0

    private let cluster: ClusterName
    private let key: SymmetricKey
    private let peers: Set<NodeName>
    /// How far behind the highest sequence number seen a packet may arrive.
    public static let window: UInt64 = 64

    private struct Seen {
        var boot: BootIdentifier
        var highest: UInt64
        /// Bit `n` is set when `highest - n` was accepted.
        var mask: UInt64
        var timestamp: Timestamp
    }
    private var last: [NodeName: Seen] = [:]

    /// Creates a verifier that accepts packets of `cluster` from `peers`, signed with `key`.
    public init(cluster: ClusterName, key: SymmetricKey, peers: Set<NodeName>) {
        self.cluster = cluster
        self.key = key
        self.peers = peers
    }

    /// The packet, when it passes every check; else `nil`, and the reason is counted.
    public mutating func accept(_ bytes: [UInt8]) -> HeartbeatPacket? {
        switch check(bytes) {
        case .success(let packet):
            accepted += 1
            record(packet)
            return packet
        case .failure(let rejection):
            rejected[rejection, default: 0] += 1
            return nil
        }
    }

    private func check(_ bytes: [UInt8]) -> Result<HeartbeatPacket, Rejection> {
        guard bytes.count <= HeartbeatPacket.maximumSize else { return .failure(.oversized) }
        guard let (packet, signedCount) = HeartbeatPacket.decode(bytes) else { return .failure(.malformed) }
        guard packet.cluster == cluster else { return .failure(.foreignCluster) }
        let signature = bytes[signedCount...]
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: bytes[..<signedCount], using: key)
        else { return .failure(.forged) }
        guard peers.contains(packet.sender) else { return .failure(.unknownSender) }
        if let seen = last[packet.sender] {
            let fresh: Bool
            if seen.boot != packet.boot {
                fresh = packet.timestamp > seen.timestamp
            } else if packet.sequence > seen.highest {
                fresh = true
            } else {
                let behind = seen.highest - packet.sequence
                fresh = behind < Self.window && seen.mask & (1 << behind) == 0
            }
            guard fresh else { return .failure(.replayed) }
        }
        return .success(packet)
    }

    private mutating func record(_ packet: HeartbeatPacket) {
        guard var seen = last[packet.sender], seen.boot == packet.boot else {
            last[packet.sender] = Seen(
                boot: packet.boot, highest: packet.sequence, mask: 1, timestamp: packet.timestamp)
            return
        }
        if packet.sequence > seen.highest {
            let ahead = packet.sequence - seen.highest
            seen.mask = ahead < Self.window ? seen.mask << ahead | 1 : 1
            seen.highest = packet.sequence
        } else {
            seen.mask |= 1 << (seen.highest - packet.sequence)
        }
        seen.timestamp = max(seen.timestamp, packet.timestamp)
        last[packet.sender] = seen
    }
}

extension PacketVerifier.Rejection: Error {}
