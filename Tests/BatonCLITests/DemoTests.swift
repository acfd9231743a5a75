import Foundation
import Testing

/// `baton demo`, the README's first command: a real takeover on loopback that leaves nothing behind.
struct DemoTests {
    @Test func theDemoShowsATakeoverAndLeavesNothingBehind() async throws {
        // As root (CI), the demo runs as nobody, as a newcomer without root would run it.
        let asNobody = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/sbin/runuser")
        let run =
            await asNobody
            ? try ValidateCommandTests.run(
                "/usr/sbin/runuser", ["-u", "nobody", "--", ValidateCommandTests.binary.path, "demo"])
            : try ValidateCommandTests.run(["demo"])
        #expect(run.status == 0, "\(run.output)\(run.error)")
        for expected in [
            "This node: node2, SLAVE_OK", "fence-needed node1", "node-lost: node1 is lost", "takeover-finished",
            "the service, now run by node2, answers: hello from the shop service",
        ] {
            #expect(run.output.contains(expected), "missing '\(expected)' in:\n\(run.output)")
        }
        let folder = try #require(run.output.split(separator: " ").first { $0.hasPrefix("/tmp/baton-demo-") })
        let path = String(folder.prefix { $0 != "." && $0 != "\n" })
        #expect(!FileManager.default.fileExists(atPath: path), "\(path) is left behind")
        // No process of the demo is left: the engines and the service ran from that folder's configuration.
        let processes = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        let left = processes.filter { pid in
            Int32(pid) != nil
                && (FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map {
                    String(decoding: $0, as: UTF8.self).contains(path)
                } ?? false)
        }
        #expect(left.isEmpty, "left running: \(left)")
    }
}
