import ArgumentParser
import BatonAgents
import BatonConfig
import BatonCore

extension Baton {
    /// `baton validate`: check a configuration and print every finding.
    public struct Validate: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "Check a cluster configuration.",
            discussion: """
                Prints every error and warning as FILE:LINE:COLUMN: SEVERITY: MESSAGE; HINT, sorted by position, \
                then a summary line. When the text is valid, the parameters of every OCF, LSB and script resource \
                are then checked against its agent's meta-data on this machine (the agent's meta-data action is \
                run): unknown names, integers that are not whole numbers, missing required parameters and a \
                unique parameter given one value by two resources are errors; an agent that is not installed \
                here is a warning (agent-unavailable). --no-agents skips this step. Then what this machine lacks is a warning (not-on-host): a key file that is missing or \
                that baton run would refuse, an event handler that cannot run, a program that a built-in agent's \
                command names and does not find, a volume's unknown file system type; --no-host-checks skips \
                these. With --json, prints a JSON array of objects with the keys file, line, column, \
                severity ("error" or "warning"), code, message and hint, and nothing else.

                Exit status: 0 when the configuration is valid (warnings allowed), 1 when it has an error, 64 for \
                a usage error, 66 when the file cannot be read.
                """
        )

        /// Which configuration to read, and how to print.
        @OptionGroup public var options: ConfigOptions
        @OptionGroup var locations: AgentLocations

        /// Check the text only; run no agent.
        @Flag(help: "Check the text only; do not read installed agents' meta-data.")
        public var noAgents = false

        /// Skip what depends on this machine's files.
        @Flag(help: "Do not check this machine's files (key file, event handler, programs, file system types).")
        public var noHostChecks = false

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Validates and prints; exits 1 when the configuration has an error.
        public func run() async throws {
            var invalid = false
            try await emit(json: options.json) {
                var result = try options.load()
                if !noAgents, let spec = result.spec {
                    let catalog = locations.catalog(baseDirectory: options.baseDirectory)
                    result = result.adding(await catalog.metadataDiagnostics(for: spec))
                }
                if !noHostChecks, let spec = result.spec {
                    result = result.adding(HostChecks.diagnostics(spec, resolving: options.resolve))
                }
                invalid = result.diagnostics.containsErrors
                return report(result)
            }
            if invalid { throw ExitCode(1) }
        }

        /// The text `run` prints for a load result.
        public func report(_ result: ConfigLoadResult) -> String {
            if options.json { return JSONText.render(result.diagnostics) }
            var lines = result.diagnostics.map(\.description)
            lines.append(summary(result))
            return lines.joined(separator: "\n") + "\n"
        }

        private func summary(_ result: ConfigLoadResult) -> String {
            let errors = result.diagnostics.filter { $0.severity == .error }.count
            let warnings = result.diagnostics.count - errors
            let counts = [(errors, "error"), (warnings, "warning")].filter { $0.0 > 0 }
                .map { counted($0.0, $0.1) }.joined(separator: ", ")
            guard let spec = result.spec else { return "\(options.path): invalid: \(counts)" }
            let contents = [
                (spec.nodes.count, "node"), (spec.groups.count, "group"), (spec.resources.count, "resource"),
            ]
            .map { counted($0.0, $0.1) }.joined(separator: ", ")
            return "\(options.path): valid (\(contents))" + (counts.isEmpty ? "" : "; \(counts)")
        }

        private func counted(_ count: Int, _ noun: String) -> String {
            "\(count) \(noun)\(count == 1 ? "" : "s")"
        }
    }
}
