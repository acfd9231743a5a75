import BatonCore
import Testing

/// Whether a lost peer is confirmed down by the ICMP echoes to its links (interval 100 ms: warntime 300 ms, deadtime
/// 500 ms).
struct EchoWatchTests {
    typealias M = MembershipTests
    static let n1 = NodeName("n1")

    /// n1 hears n2 on both links until 1000 ms, then nothing, and n3 throughout; ticks and the watch are driven every
    /// 100 ms up to `end`.
    /// - Parameter answersAt: from when n2's addresses answer echoes (a machine whose engine died), if ever.
    static func run(until end: Int64, answersAt: Int64? = nil) -> (Membership, EchoWatch, [Int64], UInt64) {
        var membership = Membership(spec: M.spec, local: n1, now: M.at(0))
        var watch = EchoWatch(spec: M.spec)
        var pinged: [Int64] = []
        var answers: UInt64 = 0
        var time: Int64 = 0
        while time < end {
            time += 100
            if time <= 1000 {
                for link in 0..<2 { _ = membership.heard(from: M.n2, link: link, boot: M.boot, at: M.at(time)) }
            }
            _ = membership.heard(from: M.n3, link: 0, boot: M.boot, at: M.at(time))
            _ = membership.tick(at: M.at(time))
            let due = watch.update(membership, answers: { $0 == M.n2 ? answers : 0 }, now: M.at(time))
            if due.contains(M.n2) {
                pinged.append(time)
                if let answersAt, time >= answersAt { answers += 1 }
            }
        }
        return (membership, watch, pinged, answers)
    }

    @Test func aPeerSilentToEchoesOnEveryLinkIsConfirmedDownOnceLost() {
        var (membership, watch, pinged, answers) = Self.run(until: 1500)
        #expect(membership.peer(M.n2)?.state == .lost)
        #expect(pinged.first == 1300, "echoes begin when every link is late (1000 + warntime 300)")
        #expect(watch.verdict(M.n2, in: membership, answers: { _ in answers }, now: M.at(1500)) == .down)
        #expect(watch.verdict(M.n3, in: membership, answers: { _ in 0 }, now: M.at(1500)) == nil, "n3 is alive")
        let said = watch.newVerdicts(membership, answers: { _ in answers }, now: M.at(1500))
        #expect(said.map(\.0) == [M.n2] && said.map(\.1) == [.down])
        #expect(watch.newVerdicts(membership, answers: { _ in answers }, now: M.at(1600)).isEmpty, "said once")
    }

    @Test func aPeerWhoseMachineAnswersIsNotConfirmedDown() {
        let (membership, watch, _, answers) = Self.run(until: 1500, answersAt: 1300)
        #expect(membership.peer(M.n2)?.state == .lost)
        #expect(watch.verdict(M.n2, in: membership, answers: { _ in answers }, now: M.at(1500)) == .answers)
        // An answer that arrives after the last update counts too.
        let (late, lateWatch, _, none) = Self.run(until: 1500)
        #expect(lateWatch.verdict(M.n2, in: late, answers: { _ in none + 1 }, now: M.at(1500)) == .answers)
    }

    @Test func echoesEndADeadtimeAfterTheLossAndAHeartbeatEndsTheWatch() {
        var (membership, watch, pinged, _) = Self.run(until: 3000)
        #expect(pinged.last == 1900, "lost at 1500, echoes until 1500 + deadtime 500")
        #expect(watch.verdict(M.n2, in: membership, answers: { _ in 0 }, now: M.at(3000)) == .down)
        _ = membership.heard(from: M.n2, link: 0, boot: M.boot, at: M.at(3100))
        #expect(watch.update(membership, answers: { _ in 0 }, now: M.at(3100)).isEmpty)
        _ = membership.tick(at: M.at(3700))
        #expect(watch.verdict(M.n2, in: membership, answers: { _ in 0 }, now: M.at(3700)) == nil)
    }

    @Test func echoesSentOnlyAMomentBeforeConfirmNothing() {
        var membership = Membership(spec: M.spec, local: Self.n1, now: M.at(0))
        var watch = EchoWatch(spec: M.spec)
        _ = membership.heard(from: M.n2, link: 0, boot: M.boot, at: M.at(100))
        _ = membership.tick(at: M.at(1100))
        #expect(membership.peer(M.n2)?.state == .lost)
        #expect(watch.update(membership, answers: { _ in 0 }, now: M.at(1100)) == [M.n2])
        #expect(watch.verdict(M.n2, in: membership, answers: { _ in 0 }, now: M.at(1102)) == nil)
        #expect(watch.newVerdicts(membership, answers: { _ in 0 }, now: M.at(1102)).isEmpty, "not yet")
        #expect(watch.verdict(M.n2, in: membership, answers: { _ in 0 }, now: M.at(1105)) == .down)
        #expect(watch.newVerdicts(membership, answers: { _ in 0 }, now: M.at(1105)).map(\.1) == [.down])
    }
}
