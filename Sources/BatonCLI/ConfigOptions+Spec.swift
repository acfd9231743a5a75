import ArgumentParser
import BatonConfig
import BatonCore
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

extension ConfigOptions {
    /// The configuration, for commands that need a valid one: its errors are printed to standard error and the
    /// command exits 1; an unreadable file exits 66.
    public func validSpec() throws -> ClusterSpec {
        try Self.validSpec(try load(), at: path)
    }

    /// The configuration `result` loaded from `path`, or its errors as a failure.
    static func validSpec(_ result: ConfigLoadResult, at path: String) throws -> ClusterSpec {
        guard let spec = result.spec else {
            let errors = result.diagnostics.filter { $0.severity == .error }.map(\.description)
            throw CommandFailure(
                message: (errors + ["\(path) is invalid; 'baton validate' lists every finding"]).joined(
                    separator: "\n"),
                status: 1)
        }
        return spec
    }
}

/// A command that cannot go on: its message goes to standard error, and the process exits with `status`.
public struct CommandFailure: Error, CustomStringConvertible {
    /// The exit status for an input that cannot be read (sysexits' EX_NOINPUT).
    public static let unreadableInput: Int32 = 66

    /// What went wrong and what to do.
    public var message: String
    /// The exit status.
    public var status: Int32

    /// Creates a failure.
    public init(message: String, status: Int32) {
        self.message = message
        self.status = status
    }

    /// The message.
    public var description: String { message }
}

/// Writes to standard error, which nothing buffers.
func writeStandardError(_ text: String) {
    writeAll(text, to: 2)
}

/// Writes to standard output after what `print` buffered, so that each line reaches a pipe when it happens.
func writeStandardOutput(_ text: String) {
    fflush(nil)
    writeAll(text, to: 1)
}

private func writeAll(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        guard count > 0 else { return }
        bytes = bytes.dropFirst(count)
    }
}

/// Prints a command's output, or its failure with its exit status: to standard error in words, or with `json` as a
/// JSON object on standard output (`{"error": ..., "status": ...}`), so that a script that reads JSON always gets
/// JSON.
func emit(json: Bool, _ output: () async throws -> String) async throws {
    do {
        print(try await output(), terminator: "")
    } catch let failure as CommandFailure {
        if json {
            writeStandardOutput(JSONText.line(JSONFailure(error: failure.message, status: failure.status)))
        } else {
            writeStandardError("baton: \(failure.message)\n")
        }
        throw ExitCode(failure.status)
    }
}

/// A failed command's answer with `--json`.
struct JSONFailure: Encodable {
    var error: String
    var status: Int32
}

extension ConfigFile {
    /// A file's bytes for a command: an unreadable file is a ``CommandFailure`` with the exit status 66.
    static func contents(of path: String) throws(CommandFailure) -> [UInt8] {
        do {
            return try read(path)
        } catch {
            throw CommandFailure(message: "\(error)", status: CommandFailure.unreadableInput)
        }
    }
}

/// Reads a cluster state from a JSON file (`--from`).
enum StateFile {
    static func read(_ path: String, for spec: ClusterSpec) throws -> ClusterState {
        let bytes = try ConfigFile.contents(of: path)
        let state: ClusterState
        do {
            state = try JSONDecoder().decode(ClusterState.self, from: Data(bytes))
        } catch {
            throw CommandFailure(message: "\(path) is not a cluster state: \(describe(error))", status: 1)
        }
        let unknown = state.unknownNames(in: spec)
        guard unknown.isEmpty else {
            throw CommandFailure(
                message: "\(path) does not match the configuration: \(unknown.joined(separator: "; "))", status: 1)
        }
        return state
    }

    /// A decoding error in one line, with the JSON path where it happened.
    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        let (context, what): (DecodingError.Context, String) =
            switch error {
            case .dataCorrupted(let context): (context, "malformed")
            case .keyNotFound(let key, let context): (context, "missing '\(key.stringValue)'")
            case .typeMismatch(let type, let context): (context, "expected \(type)")
            case .valueNotFound(let type, let context): (context, "expected \(type)")
            @unknown default: (DecodingError.Context(codingPath: [], debugDescription: ""), "malformed")
            }
        let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return "\(what) at \(path.isEmpty ? "the top" : path)"
            + (context.debugDescription.isEmpty ? "" : " (\(context.debugDescription))")
    }
}
