import BatonConfig
import BatonCore
import Crypto
import Synchronization
import Testing

@testable import BatonNet

/// The peer protocol's summaries: encoded once while they do not change and decoded once while a peer repeats its
/// own, yet every change is sent and read.
struct PeerCoordinatorTests {
    /// Keeps what is sent instead of sending it.
    final class Captured: LinkTransport {
        let datagrams = AsyncStream<Datagram> { $0.finish() }
        let sent = Mutex<[[UInt8]]>([])

        func send(_ bytes: [UInt8], from link: Int, to address: IPAddress, port: Int) {
            sent.withLock { $0.append(bytes) }
        }

        func rebind() async -> [Int] { [] }
        func close() async {}
    }

    static func coordinator(_ node: String, links: Captured) throws -> PeerCoordinator {
        let text = """
            version: 1
            cluster: c
            nodes:
              - {name: n1, links: [10.0.0.1]}
              - {name: n2, links: [10.0.0.2]}

            """
        let spec = try #require(ConfigLoader.load(Array(text.utf8), file: "memory.yaml").spec)
        return PeerCoordinator(
            spec: spec, local: NodeName(node), boot: BootIdentifier(high: 1, low: 2),
            key: SymmetricKey(data: [UInt8](repeating: 7, count: 32)), links: links, clock: SystemClock())
    }

    static func summary(term: UInt64) -> Summary {
        Summary(
            role: .mono, senior: "n1", term: term, digest: "d", held: ["g": 1], config: "c", sections: nil)
    }

    @Test func aRepeatedSummaryIsReadAsSentAndEveryChangeToo() throws {
        let links = Captured()
        var sender = try Self.coordinator("n1", links: links)
        var receiver = try Self.coordinator("n2", links: Captured())
        let terms: [UInt64] = [1, 1, 2, 2, 1]
        for term in terms { sender.announce(Self.summary(term: term)) }
        let packets = links.sent.withLock { $0 }
        #expect(packets.count == terms.count, "one heartbeat per announcement (one peer, one link)")
        let read = packets.map { bytes in
            receiver.read(Datagram(bytes: bytes, source: nil, link: 0), at: .zero).compactMap { item in
                if case .heard(_, _, _, let summary) = item { summary?.term } else { nil }
            }
        }
        #expect(read == terms.map { [$0] })
    }
}
