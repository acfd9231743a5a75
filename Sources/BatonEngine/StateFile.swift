import BatonAgents
import BatonCore
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// What a node keeps across restarts, in `STATE_DIR/state.json`: its last role, each group's generation, last
/// owner and whether it was stopped, and the failures on record.
///
/// Written after every change of the cluster state, atomically: a new file is written and synced, renamed over the
/// old one, and the directory is synced, so a crash leaves the old file or the new one, never a mix.
struct StoredState: Codable, Hashable, Sendable {
    struct Group: Codable, Hashable, Sendable {
        var generation: Int
        var owner: String?
        /// Stopped by an administrator (or its `on-fail: stop`): it stays stopped at the next cold start. Absent in
        /// files written before it existed.
        var stopped: Bool?
    }

    var role: NodeRole
    var groups: [String: Group]
    var failures: [String: [Failure]]

    init(role: NodeRole = .stopped, groups: [String: Group] = [:], failures: [String: [Failure]] = [:]) {
        self.role = role
        self.groups = groups
        self.failures = failures
    }

    /// The facts of `state` worth keeping, with this node's `role`.
    init(_ state: ClusterState, role: NodeRole) {
        self.role = role
        groups = Dictionary(
            uniqueKeysWithValues: state.groups.map {
                (
                    $0.key.rawValue,
                    Group(
                        generation: $0.value.generation, owner: $0.value.node?.rawValue,
                        // A group that waits for newer data is stopped for that reason alone, found again at start.
                        stopped: $0.value.stopped && $0.value.waiting == nil ? true : nil)
                )
            })
        failures = Dictionary(
            uniqueKeysWithValues: state.resources.filter { !$0.value.failures.isEmpty }.map {
                ($0.key.rawValue, $0.value.failures)
            })
    }

    /// The groups this node ran last, with their generations.
    func held(by node: NodeName) -> [String: Int] {
        groups.filter { $0.value.owner == node.rawValue }.mapValues(\.generation)
    }
}

/// Where a node keeps its ``StoredState`` between runs of its engine.
protocol StateStore: Sendable {
    /// The stored state; an empty one when none was stored yet.
    func load() throws -> StoredState
    /// Replaces the stored state.
    func save(_ stored: StoredState) throws
}

/// Reads and writes a node's ``StoredState`` in `state.json`.
struct StateFile: StateStore {
    let path: String

    init(directory: String) {
        path = directory + "/state.json"
    }

    /// The stored state; an empty one when there is no file yet.
    /// - Throws: when the file exists but cannot be read or is not a state file.
    func load() throws -> StoredState {
        guard FileManager.default.fileExists(atPath: path) else { return StoredState() }
        do {
            return try JSONDecoder().decode(StoredState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw EngineError("\(path): not a Baton state file (\(error)); move it away to start without it")
        }
    }

    /// Replaces the file with `stored`.
    func save(_ stored: StoredState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        let bytes = Array(try encoder.encode(stored)) + [0x0A]
        do {
            try AtomicFile.writePrivate(bytes, to: path)
        } catch {
            throw EngineError(error.description)
        }
    }
}

/// A problem that stops the engine, in words for the administrator.
public struct EngineError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
