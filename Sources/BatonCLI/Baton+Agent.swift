import ArgumentParser
import BatonAgents
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

extension Baton {
    /// `baton agent`: agents by hand.
    public struct AgentCommand: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            commandName: "agent",
            abstract: "List agents, show an agent's parameters, or run one action by hand.",
            subcommands: [List.self, Info.self, Exec.self]
        )

        /// Creates the command; ArgumentParser calls this.
        public init() {}
    }
}

/// Where agents are looked for, shared by the `agent` subcommands.
struct AgentLocations: ParsableArguments {
    @Option(help: ArgumentHelp("Where OCF agents are installed.", valueName: "dir"))
    var ocfRoot = ProcessInfo.processInfo.environment["OCF_ROOT"] ?? "/usr/lib/ocf"

    @Option(
        help: ArgumentHelp(
            "The engine's state directory, as baton run was given it: built-in agents' pid and log files are in "
                + "its agents folder (default: /run/baton as root, else /tmp/baton-UID).",
            valueName: "dir"))
    var stateDir: String?

    /// Where built-in agents keep their files: in `STATE_DIR/agents` when a state directory is given (several
    /// engines on one machine), else in a runtime folder, gone at a reboot. `baton run` and `baton agent exec`
    /// given the same `--state-dir` (or none) find the same files.
    static func directory(stateDir: String?) -> String {
        stateDir.map { $0 + "/agents" } ?? (getuid() == 0 ? "/run/baton" : "/tmp/baton-\(getuid())")
    }

    func catalog(baseDirectory: String) -> AgentCatalog {
        AgentCatalog(ocfRoot: ocfRoot, baseDirectory: baseDirectory, stateDirectory: Self.directory(stateDir: stateDir))
    }
}

extension ConfigOptions {
    /// The directory of the configuration file: relative agent script paths start there.
    var baseDirectory: String {
        path.parentDirectory
    }

    /// The valid specification with the timeouts the engine would use where none is written: its agents'
    /// meta-data recommendations (agents looked for where `baton run` looks, `$OCF_ROOT` or /usr/lib/ocf).
    func specWithAgentTimeouts() async throws -> ClusterSpec {
        try await Self.specWithAgentTimeouts(try load(), at: path, agentsBeside: baseDirectory)
    }

    /// The same for a configuration loaded from elsewhere (`path` names it in errors), whose relative agent paths
    /// start at `directory`.
    static func specWithAgentTimeouts(
        _ result: ConfigLoadResult, at path: String, agentsBeside directory: String
    ) async throws -> ClusterSpec {
        let catalog = AgentCatalog(
            ocfRoot: ProcessInfo.processInfo.environment["OCF_ROOT"] ?? "/usr/lib/ocf", baseDirectory: directory,
            stateDirectory: AgentLocations.directory(stateDir: nil))
        return await catalog.withRecommendedTimeouts(try validSpec(result, at: path))
    }
}

extension Baton.AgentCommand {
    /// `baton agent list`.
    public struct List: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "List the agents found on this machine.",
            discussion: """
                Lists the built-in agents, the scripts in agents/ beside the configuration, every OCF agent under \
                OCF_ROOT/resource.d (ocf:PROVIDER:TYPE) and every init script in /etc/init.d (lsb:NAME), one per \
                line as REFERENCE KIND LOCATION. systemd units are not listed: name one as systemd:UNIT.
                """
        )

        @OptionGroup var options: ConfigOptions
        @OptionGroup var locations: AgentLocations

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Prints the list.
        public func run() async throws {
            let entries = locations.catalog(baseDirectory: options.baseDirectory).entries()
            try await emit(json: options.json) {
                if options.json { return JSONText.render(entries.map(EntryJSON.init)) }
                let width = entries.map(\.reference.count).max() ?? 0
                return entries.map {
                    $0.reference.padded(to: width) + "  " + $0.kind.padded(to: 7) + " " + $0.location
                }.joined(separator: "\n") + "\n"
            }
        }
    }

    /// `baton agent info AGENT`.
    public struct Info: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "Show an agent's parameters and actions, from its meta-data.",
            discussion: """
                AGENT is written as in cluster.yaml: a built-in name, ocf:PROVIDER:TYPE, lsb:NAME, systemd:UNIT, a \
                script path, or a fence agent (fence_NAME). Exit status 1 when the agent has no readable meta-data.
                """
        )

        @Argument(help: "The agent, as cluster.yaml names it.") var agent: String
        @OptionGroup var options: ConfigOptions
        @OptionGroup var locations: AgentLocations

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Prints the meta-data.
        public func run() async throws {
            let catalog = locations.catalog(baseDirectory: options.baseDirectory)
            let read: () async -> AgentMetadata?
            if agent.hasPrefix("fence_"), FenceDevice.isAgentText(agent) {
                read = { await catalog.fenceMetadata(agent) }
            } else {
                let reference: AgentReference
                do {
                    reference = try AgentReference(configText: agent)
                } catch {
                    throw ValidationError("\(error.message); \(error.hint)")
                }
                let implementation = catalog.agent(for: reference)
                read = { await implementation.metadata() }
            }
            try await emit(json: options.json) {
                guard let metadata = await read() else {
                    throw CommandFailure(message: "\(agent) has no readable meta-data (is it installed?)", status: 1)
                }
                if options.json { return JSONText.render(MetadataJSON(metadata)) }
                return Self.text(metadata, name: agent)
            }
        }

        static func text(_ metadata: AgentMetadata, name: String) -> String {
            var lines = ["\(name): \(metadata.summary)", "", "parameters:"]
            if metadata.parameters.isEmpty { lines.append("  (none)") }
            for parameter in metadata.parameters {
                var flags = [parameter.type]
                if parameter.isRequired { flags.append("required") }
                if parameter.isUnique { flags.append("unique") }
                if let value = parameter.defaultValue { flags.append("default \(value)") }
                lines.append("  \(parameter.name) (\(flags.joined(separator: ", "))): \(parameter.summary)")
            }
            lines += ["", "actions:"]
            for action in metadata.actions {
                var details: [String] = []
                if let timeout = action.timeout { details.append("timeout \(timeout.compactText)") }
                if let interval = action.interval { details.append("interval \(interval.compactText)") }
                if let depth = action.depth { details.append("depth \(depth)") }
                lines.append("  \(action.name)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"))
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// `baton agent exec RESOURCE ACTION`.
    public struct Exec: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "Run one action of a configured resource's agent, with its parameters and timeout.",
            discussion: """
                ACTION is start, stop, monitor, probe (a monitor with interval 0), meta-data or validate-all. The \
                agent runs on this machine, as the engine would run it: parameters as OCF_RESKEY_ variables, in its \
                own session, killed with its process group when the timeout passes. Prints the exit code and its \
                meaning, the exit reason and the output, and exits with the agent's code (1 when it timed out).
                """
        )

        @Argument(help: "The resource, as named in the configuration.", completion: NameCompletion.resources)
        var resource: String
        @Argument(help: "start, stop, monitor, probe, meta-data or validate-all.") var action: String
        @Option(help: ArgumentHelp("The node name given to the agent.", valueName: "name")) var node: String?
        @Option(help: ArgumentHelp("OCF_CHECK_LEVEL for monitor and validate-all.", valueName: "level")) var depth = 0
        @OptionGroup var options: ConfigOptions
        @OptionGroup var locations: AgentLocations

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Runs the action and exits with the agent's code.
        public func run() async throws {
            var code: Int32 = 0
            try await emit(json: options.json) {
                let spec = try options.validSpec()
                guard let resource = spec.resource(named: ResourceName(resource)) else {
                    let names = spec.resources.map(\.name.rawValue).sorted().joined(separator: ", ")
                    throw CommandFailure(
                        message: "no resource '\(resource)' in \(options.path) (it has \(names))", status: 64)
                }
                let interval = resource.monitor?.effectiveInterval ?? MonitorSettings.defaultInterval
                guard let agentAction = AgentAction(command: action, interval: interval, depth: depth) else {
                    throw CommandFailure(
                        message:
                            "unknown action '\(action)'; use start, stop, monitor, probe, meta-data or validate-all",
                        status: 64)
                }
                let runner = AgentActionRunner(
                    spec: spec, catalog: locations.catalog(baseDirectory: options.baseDirectory))
                let result = await runner.perform(agentAction, on: resource, node: node)
                code = Int32(result.timedOut ? 1 : result.code)
                if options.json { return JSONText.render(ResultJSON(result, resource: resource)) }
                return Self.text(result, resource: resource)
            }
            if code != 0 { throw ExitCode(code) }
        }

        static func text(_ result: AgentResult, resource: ResourceSpec) -> String {
            let milliseconds = result.duration.wholeMilliseconds
            var lines = [
                "\(result.action) \(resource.name) (\(resource.agent.value)): "
                    + (result.timedOut ? "timed out" : OCFExitCode.describe(result.code)) + " after \(milliseconds) ms"
            ]
            if let status = result.exitStatus, status != result.code {
                lines.append("the agent exited \(status), which counts as \(result.code)")
            }
            if let reason = result.exitReason { lines.append("reason: \(reason)") }
            if !result.output.isEmpty { lines.append("--- output\n" + result.output.trimmingLineBreaks) }
            if !result.errorOutput.isEmpty {
                lines.append("--- errors\n" + result.errorOutput.trimmingLineBreaks)
            }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}

private struct EntryJSON: Encodable {
    let reference, kind, location: String
    init(_ entry: AgentCatalog.Entry) {
        reference = entry.reference
        kind = entry.kind
        location = entry.location
    }
}

private struct MetadataJSON: Encodable {
    struct Parameter: Encodable {
        let name, type, summary: String
        let required, unique: Bool
        let `default`: String?
    }
    struct Action: Encodable {
        let name: String
        let timeout, interval: String?
        let depth: Int?
    }
    let name, summary: String
    let parameters: [Parameter]
    let actions: [Action]

    init(_ metadata: AgentMetadata) {
        name = metadata.name
        summary = metadata.summary
        parameters = metadata.parameters.map {
            Parameter(
                name: $0.name, type: $0.type, summary: $0.summary, required: $0.isRequired, unique: $0.isUnique,
                default: $0.defaultValue)
        }
        actions = metadata.actions.map {
            Action(name: $0.name, timeout: $0.timeout?.compactText, interval: $0.interval?.compactText, depth: $0.depth)
        }
    }
}

private struct ResultJSON: Encodable {
    let resource, agent, action, meaning, output, errors: String
    let code: Int
    let exitStatus: Int?
    let timedOut: Bool
    let reason: String?
    let milliseconds: Int64

    init(_ result: AgentResult, resource spec: ResourceSpec) {
        resource = spec.name.rawValue
        agent = spec.agent.value.description
        action = result.action.description
        meaning = result.meaning
        output = result.output
        errors = result.errorOutput
        code = result.code
        exitStatus = result.exitStatus
        timedOut = result.timedOut
        reason = result.exitReason
        milliseconds = result.duration.wholeMilliseconds
    }
}
