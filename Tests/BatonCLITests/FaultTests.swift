import BatonCLI
import BatonControl
import BatonCore
import Foundation
import Testing

/// The faults real clusters see every week, on real engines in network namespaces: a link that flaps, a partition
/// and its heal, an engine killed and restarted or paused, both engines stopped at once, two configurations.
@Suite(.serialized, .timeLimit(.minutes(5))) struct FaultTests {
    /// Waits until both engines run and n1 holds the group.
    static func settled(_ cluster: Cluster) async throws {
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1 and n2 is the ready standby") {
            ClusterTests.running($0, on: "n1") && $0.role == .slaveOK
        }
    }

    /// Whether `node` hears every link of `peer`.
    static func hearsEveryLink(_ status: StatusReport, of peer: String) -> Bool {
        status.peers.first { $0.name == peer }?.links.allSatisfy { $0.state == "up" } == true
    }

    @Test func aServiceInheritsNothingOfTheEngine() async throws {
        guard let cluster = try Cluster.make("fd") else { return }
        defer { cluster.tearDown() }
        try await Self.settled(cluster)
        let service = try #require(cluster.agentProcesses("n1").first)
        let open = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(service)/fd").compactMap(Int.init)
        #expect(open.sorted() == [0, 1, 2], "the service inherited nothing but its standard streams: \(open)")
    }
}
