@testable import BatonCLI
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a control command says when it cannot reach an engine: what was tried and what to do, never the socket
/// library's call names or errno numbers; with `--json`, a JSON object on standard output.
@Suite struct ControlErrorTests {
    static func run(_ arguments: [String]) async throws -> ValidateCommandTests.Run {
        try await ValidateCommandTests.run(arguments + ["-c", ValidateCommandTests.roseHA])
    }

    /// A Unix socket of `type` bound to `path`, or `nil`.
    static func boundSocket(_ path: String, type: Int32) -> Int32? {
        let descriptor = socket(AF_UNIX, type, 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else {
            close(descriptor)
            return nil
        }
        return descriptor
    }

    static func internals(_ text: String) -> Bool {
        ["errno", "descriptor", "connect(", "IOError", "NIO"].contains { text.contains($0) }
    }

    @Test func noSocketSaysSoAndWhatToDo() async throws {
        let directory = try AgentCommandTests.temporaryDirectory().path
        let run = try await Self.run(["status", "--state-dir", directory])
        #expect(run.status == 1)
        #expect(
            run.error.hasPrefix("baton: no engine answers at \(directory)/baton.sock: there is no such socket; "),
            "\(run.error)")
        #expect(run.error.contains("baton run") && !Self.internals(run.error), "\(run.error)")
        #expect(run.output.isEmpty)
    }

    @Test func aSocketNobodyListensOnIsNamedAsSuch() async throws {
        let path = try AgentCommandTests.temporaryDirectory().path + "/stale.sock"
        // A socket that was bound and closed, as an engine killed with -9 leaves it.
        close(try #require(Self.boundSocket(path, type: Int32(SOCK_STREAM.rawValue))))
        let run = try await Self.run(["switch", "erp-db", "--to", "xhhotsp2", "--socket", path])
        #expect(run.status == 1)
        #expect(
            run.error.contains("the socket is there but nothing listens") && !Self.internals(run.error), "\(run.error)")
    }

    @Test func jsonErrorsAreJSONOnStandardOutput() async throws {
        let directory = try AgentCommandTests.temporaryDirectory().path
        let run = try await Self.run(["status", "--json", "--state-dir", directory])
        #expect(run.status == 1 && run.error.isEmpty, "\(run.error)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
        #expect((object["error"] as? String)?.hasPrefix("no engine answers at") == true)
        #expect(object["status"] as? Int == 1)
        // A file that cannot be read, too.
        let plan = try await ValidateCommandTests.run([
            "plan", "--json", "--fail", "xhhotsp1", "-c", directory + "/missing.yaml",
        ])
        #expect(plan.status == 66, "\(plan.error)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(plan.output.utf8)) as? [String: Any])
        #expect((answer["error"] as? String)?.contains("missing.yaml") == true)
    }
}

/// Options given twice, or two that contradict each other, are usage errors (exit 64), never one silently.
@Suite struct ConflictingOptionTests {
    @Test(arguments: [
        (["plan", "--fail", "xhhotsp1", "--fail", "xhhotsp2"], "--fail is given more than once"),
        (["plan", "--fail", "xhhotsp1", "--format", "dot", "--json"], "give --json or --format dot, not both"),
        (["validate", "-c", ValidateCommandTests.roseHA], "--config is given more than once"),
        (["plan", "--fail=xhhotsp1", "--fail", "xhhotsp2"], "--fail is given more than once"),
    ])
    func isAUsageError(_ arguments: [String], _ message: String) async throws {
        let run = try await ValidateCommandTests.run(arguments + ["-c", ValidateCommandTests.roseHA])
        #expect(run.status == 64 && run.error.contains(message), "\(run.status): \(run.error)")
    }

    @Test func anOptionOnceIsFine() {
        #expect(ConfigOptions.repeatedOption(in: ["plan", "--fail", "a", "-c", "x", "--json", "--", "--json"]) == nil)
        #expect(ConfigOptions.repeatedOption(in: ["plan", "-c", "x", "--config=y"]) == "--config")
    }
}
