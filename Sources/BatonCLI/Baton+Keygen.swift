import ArgumentParser
import BatonAgents
import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

extension Baton {
    /// `baton keygen [FILE]`: a new shared secret for the cluster's heartbeats.
    public struct Keygen: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "Write a new key file for the cluster's heartbeats.",
            discussion: """
                Writes 32 random bytes from the kernel, as 64 hexadecimal digits and a line feed, to FILE (default \
                \(HeartbeatSettings.defaultKeyFile)), readable and writable by its owner only, as baton run \
                requires. Copy the same file to every node (scp -p keeps its mode). An existing file is kept unless \
                --force: a new key on one node cuts it off from the others until every node has it.

                Exit status: 0 when the file was written, 1 when it exists (without --force) or cannot be written.
                """)

        @Argument(help: ArgumentHelp("Where to write the key.", valueName: "file"))
        var file: String = HeartbeatSettings.defaultKeyFile
        @Flag(help: "Replace an existing key file.") var force = false

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Writes the key, or says why not.
        public func run() async throws {
            try await emit(json: false) {
                guard force || access(file, F_OK) != 0 else {
                    throw CommandFailure(
                        message: "\(file) exists; keep it, or give --force to replace it (then copy it to every node)",
                        status: 1)
                }
                var generator = SystemRandomNumberGenerator()
                let key = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
                do {
                    try AtomicFile.writePrivate(Array((key.map(\.hexDigits).joined() + "\n").utf8), to: file)
                } catch {
                    throw CommandFailure(message: "\(error)", status: 1)
                }
                return "wrote a new key to \(file) (mode 600); copy it to every node\n"
            }
        }
    }
}
