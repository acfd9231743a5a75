import BatonCore
import Crypto

/// Accepts the packets of this cluster's nodes, signed with its key, each once; drops and counts the rest.
///
/// Checks, in order: size, form, cluster name, signature (compared in constant time), sender, and freshness. A
/// packet is fresh when its sequence number is higher than the last accepted from the same boot identifier; a
/// packet with a new boot identifier must be newer, by the sender's own clock, than the last one accepted from
/// that sender, so that a recorded packet of an earlier run cannot be replayed as a new incarnation.
public struct PacketVerifier {
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
    private var last: [NodeName: (boot: BootIdentifier, sequence: UInt64, timestamp: Timestamp)] = [:]

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
            last[packet.sender] = (packet.boot, packet.sequence, packet.timestamp)
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
        if let previous = last[packet.sender] {
            let fresh =
                previous.boot == packet.boot
                ? packet.sequence > previous.sequence : packet.timestamp > previous.timestamp
            guard fresh else { return .failure(.replayed) }
        }
        return .success(packet)
    }
}

extension PacketVerifier.Rejection: Error {}
