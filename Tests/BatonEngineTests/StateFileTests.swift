import BatonCore
import Foundation
import Testing

@testable import BatonEngine

/// The state file: what a node keeps across restarts, written atomically.
struct StateFileTests {
    static func directory() throws -> String {
        let path = NSTemporaryDirectory() + "baton-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func aSavedStateLoadsBackAndOnlyItsOwnerCanReadIt() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = StateFile(directory: directory)
        #expect(try file.load() == StoredState(), "no file yet: an empty state")

        var state = ClusterState()
        state.groups[GroupName("web")] = GroupState(node: NodeName("n1"), generation: 4)
        state.groups[GroupName("db")] = GroupState(node: NodeName("n2"), generation: 9)
        let failure = Failure(node: NodeName("n1"), action: "monitor", code: 7, time: Timestamp(milliseconds: 5))
        state.resources[ResourceName("app")] = ResourceState(failures: [failure])
        let stored = StoredState(state, role: .main)
        try file.save(stored)
        try file.save(stored)

        #expect(try file.load() == stored)
        #expect(stored.held(by: NodeName("n1")) == ["web": 4])
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["state.json"], "no temporary left")
    }

    @Test func aDamagedStateFileIsAnErrorThatSaysWhatToDo() throws {
        let directory = try Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = StateFile(directory: directory)
        try "{\"role\": 12".write(toFile: file.path, atomically: true, encoding: .utf8)
        #expect {
            try file.load()
        } throws: { error in
            "\(error)".contains("not a Baton state file") && "\(error)".contains("move it away")
        }
    }
}
