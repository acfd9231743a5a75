import BatonCore
import BatonNet
import Crypto
import Testing

/// The heartbeat wire format and the checks every received packet passes.
struct PacketTests {
    static var key: SymmetricKey { SymmetricKey(data: Array("a shared secret of the cluster, 32+ bytes".utf8)) }
    static let cluster = ClusterName("erp")
    static let boot = BootIdentifier(high: 0x0123_4567_89ab_cdef, low: 42)

    static func packet(
        sequence: UInt64, from sender: String = "n2", boot: BootIdentifier = boot, at milliseconds: Int64 = 1000,
        cluster: ClusterName = cluster, payload: [UInt8] = [1, 2, 3]
    ) -> HeartbeatPacket {
        HeartbeatPacket(
            kind: .heartbeat, cluster: cluster, sender: NodeName(sender), boot: boot, sequence: sequence,
            timestamp: Timestamp(milliseconds: milliseconds), payload: payload)
    }

    static func verifier() -> PacketVerifier {
        PacketVerifier(cluster: cluster, key: key, peers: [NodeName("n2"), NodeName("n3")])
    }

    @Test func aSignedPacketRoundTrips() throws {
        var verifier = Self.verifier()
        let sent = Self.packet(sequence: 7)
        let bytes = try #require(sent.encoded(key: Self.key))
        #expect(bytes.count == 4 + 1 + 4 + 3 + 16 + 8 + 8 + 2 + 3 + 32)
        #expect(verifier.accept(bytes) == sent)
        #expect(verifier.accepted == 1 && verifier.rejected.isEmpty)
    }

    @Test func forgedForeignReplayedAndUnknownPacketsAreDroppedAndCounted() throws {
        var verifier = Self.verifier()
        #expect(verifier.accept(try #require(Self.packet(sequence: 105).encoded(key: Self.key))) != nil)

        let wrongKey = SymmetricKey(data: Array("another key entirely, also long enough".utf8))
        #expect(verifier.accept(try #require(Self.packet(sequence: 6).encoded(key: wrongKey))) == nil)
        var tampered = try #require(Self.packet(sequence: 6).encoded(key: Self.key))
        tampered[tampered.count - 33] ^= 1  // the last payload byte
        #expect(verifier.accept(tampered) == nil)

        let foreign = Self.packet(sequence: 6, cluster: ClusterName("other"))
        #expect(verifier.accept(try #require(foreign.encoded(key: Self.key))) == nil)
        #expect(verifier.accept(try #require(Self.packet(sequence: 6, from: "n9").encoded(key: Self.key))) == nil)

        let replay = try #require(Self.packet(sequence: 105).encoded(key: Self.key))
        #expect(verifier.accept(replay) == nil, "the same sequence again")
        let tooOld = Self.packet(sequence: 105 - PacketVerifier.window)
        #expect(verifier.accept(try #require(tooOld.encoded(key: Self.key))) == nil, "behind the window")
        #expect(verifier.accept(try #require(Self.packet(sequence: 106).encoded(key: Self.key))) != nil)

        // A recorded packet of an earlier run, with another boot identifier and an older clock: a replay.
        let earlierRun = Self.packet(sequence: 900, boot: BootIdentifier(high: 1, low: 1), at: 10)
        #expect(verifier.accept(try #require(earlierRun.encoded(key: Self.key))) == nil)
        // A real restart: a new boot identifier, sequence from 1, a newer clock.
        let restarted = Self.packet(sequence: 1, boot: BootIdentifier(high: 2, low: 2), at: 2000)
        #expect(verifier.accept(try #require(restarted.encoded(key: Self.key))) != nil)

        #expect(
            verifier.rejected == [.forged: 2, .foreignCluster: 1, .unknownSender: 1, .replayed: 3])
        #expect(verifier.accepted == 3)
    }

    @Test func packetsReorderedBetweenLinksAreAcceptedOnce() throws {
        var verifier = Self.verifier()
        // Sent as 1, 2, 3 on three links, received as 3, 1, 2; then each of them again.
        for sequence: UInt64 in [3, 1, 2, 70] {
            #expect(verifier.accept(try #require(Self.packet(sequence: sequence).encoded(key: Self.key))) != nil)
        }
        for sequence: UInt64 in [3, 1, 2, 70, 6] {
            let again = try #require(Self.packet(sequence: sequence).encoded(key: Self.key))
            #expect(verifier.accept(again) == nil, "sequence \(sequence)")
        }
        #expect(verifier.accept(try #require(Self.packet(sequence: 69).encoded(key: Self.key))) != nil)
        #expect(verifier.accepted == 5 && verifier.rejected == [.replayed: 5])
    }

    @Test func oversizedAndMalformedBytesAreDroppedNeverACrash() throws {
        var verifier = Self.verifier()
        #expect(verifier.accept([UInt8](repeating: 0x42, count: HeartbeatPacket.maximumSize + 1)) == nil)
        let good = try #require(Self.packet(sequence: 1).encoded(key: Self.key))
        // Every truncation, and every single-byte change before the signature, of a valid packet.
        for length in 0..<good.count {
            #expect(verifier.accept(Array(good[..<length])) == nil)
        }
        for index in 0..<(good.count - 32) {
            var changed = good
            changed[index] &+= 1
            #expect(verifier.accept(changed) == nil)
        }
        // Random bytes, with the right header and without.
        var generator = SystemRandomNumberGenerator()
        for round in 0..<2000 {
            var bytes = (0..<Int.random(in: 0...1300, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if round.isMultiple(of: 2), bytes.count > 6 { bytes.replaceSubrange(0..<4, with: [0x42, 0x54, 0x4E, 1]) }
            #expect(verifier.accept(bytes) == nil)
        }
        #expect(verifier.accepted == 0)
        #expect(verifier.rejected[.oversized, default: 0] >= 1)
        #expect(verifier.rejected.values.reduce(0, +) == 1 + good.count + (good.count - 32) + 2000)
    }

    @Test func aPayloadTooLargeIsNotEncoded() {
        let capacity = HeartbeatPacket.payloadCapacity(cluster: Self.cluster, sender: NodeName("n2"))
        let full = Self.packet(sequence: 1, payload: [UInt8](repeating: 7, count: capacity))
        #expect(full.encoded(key: Self.key)?.count == HeartbeatPacket.maximumSize)
        let over = Self.packet(sequence: 1, payload: [UInt8](repeating: 7, count: capacity + 1))
        #expect(over.encoded(key: Self.key) == nil)
    }
}
