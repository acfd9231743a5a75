import BatonCore
import Testing

@testable import BatonNet

/// The peer protocol's encodings: state parts and messages.
struct WireTests {
    @Test func aStateSplitIntoPartsReassemblesInAnyOrder() throws {
        let json = (0..<5000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        let parts = StateParts.split(json, version: 42, capacity: 1000)
        #expect(parts.count == 6)
        #expect(parts.allSatisfy { $0.count <= 1000 })
        var assembly = StateParts()
        for part in parts.dropFirst().reversed() {
            let partial = assembly.add(part)
            #expect(partial == nil)
        }
        let last = assembly.add(parts[0])
        let whole = try #require(last)
        #expect(whole.version == 42 && whole.json == json)
        let short = assembly.add([1, 2, 3])
        #expect(short == nil, "too short for a part")
    }

    @Test func messagesRoundTrip() throws {
        let messages: [Message] = [
            .action(
                ActionRequest(
                    id: 7, term: 2, kind: .start, group: "erp", resource: "vip", timeoutMilliseconds: 20_000,
                    intervalMilliseconds: nil)),
            .result(id: 7, ActionOutcome(code: 1, timedOut: true, message: "killed")),
            .result(id: 8, ActionOutcome(code: 1, message: "answers", heldElsewhere: true)),
            .result(id: 9, ActionOutcome(code: 1, message: "leaving", declined: true)),
            .monitorFailed(id: 3, resource: "db", code: 7),
            .request(id: 4, .switchover(group: "erp", to: "n2")),
        ]
        for message in messages {
            #expect(WireCoding.decode(Message.self, WireCoding.encode(message)) == message)
        }
    }
}

extension WireTests {
    @Test func summariesRoundTrip() throws {
        let summary = Summary(
            role: .main, senior: "n2", term: 3, digest: WireCoding.digest([1, 2, 3]), held: ["web": 2],
            config: "0123456789abcdef", sections: ["nodes": "fedcba9876543210"])
        #expect(summary.digest == "039058c6f2c0cb49", "SHA-256 of 01 02 03, first 8 bytes")
        let bytes = WireCoding.encode(summary)
        #expect(!bytes.isEmpty)
        #expect(WireCoding.decode(Summary.self, bytes) == summary, "\(String(decoding: bytes, as: UTF8.self))")
    }
}
