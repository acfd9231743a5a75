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
