import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Where agents are found on this machine, and the agent for each reference.
public struct AgentCatalog: Sendable {
    /// `OCF_ROOT`: `ocf:PROVIDER:TYPE` is `OCF_ROOT/resource.d/PROVIDER/TYPE`.
    public var ocfRoot: String
    /// Where `lsb:NAME` scripts live.
    public var initDirectory: String
    /// The directory relative script paths start from: the configuration file's.
    public var baseDirectory: String
    /// Where built-in agents keep pid and log files, and what shell agents get as `HA_RSCTMP`.
    public var stateDirectory: String
    /// How long after SIGTERM a timed-out action's process group gets SIGKILL.
    public var grace: Duration

    /// Creates a catalog.
    public init(
        ocfRoot: String = "/usr/lib/ocf", initDirectory: String = "/etc/init.d", baseDirectory: String = ".",
        stateDirectory: String = "/run/baton", grace: Duration = .seconds(5)
    ) {
        self.ocfRoot = ocfRoot
        self.initDirectory = initDirectory
        // Agents run with "/" as their working directory, so a relative script path must not stay relative.
        self.baseDirectory =
            baseDirectory.hasPrefix("/") ? baseDirectory : Self.currentDirectory() + "/" + baseDirectory
        self.stateDirectory = stateDirectory
        self.grace = grace
    }

    /// The agent a reference names. Whether it is installed shows when it runs (exit 5, "not installed").
    public func agent(for reference: AgentReference) -> any Agent {
        switch reference {
        case .builtin(let kind):
            return SwiftAgent(kind, stateDirectory: stateDirectory)
        case .ocf(let provider, let type):
            return OCFAgent(
                reference: reference, path: installedPath(of: reference)!, provider: provider, type: type,
                ocfRoot: ocfRoot, stateDirectory: stateDirectory + "/rsctmp", grace: grace)
        case .lsb(let name):
            return LSBAgent(name: name, path: installedPath(of: reference)!, grace: grace)
        case .systemd(let unit):
            return SystemdAgent(unit: unit)
        case .script(let path):
            let type = String(path.split(separator: "/").last ?? "")
            return OCFAgent(
                reference: reference, path: installedPath(of: reference)!, provider: "baton", type: type,
                ocfRoot: ocfRoot,
                stateDirectory: stateDirectory + "/rsctmp", grace: grace)
        }
    }

    /// Where a file-based agent is installed: its script, or `nil` for built-in and systemd agents.
    public func installedPath(of reference: AgentReference) -> String? {
        switch reference {
        case .builtin, .systemd: nil
        case .ocf(let provider, let type): "\(ocfRoot)/resource.d/\(provider)/\(type)"
        case .lsb(let name): "\(initDirectory)/\(name)"
        case .script(let path): path.hasPrefix("/") ? path : baseDirectory + "/" + path
        }
    }

    /// Where a fence device's agent is: a path as written (relative to the configuration's directory), else
    /// `/usr/sbin/NAME`, else `/sbin/NAME`.
    public func fenceAgentPath(_ agent: String) -> String {
        if agent.contains("/") { return agent.hasPrefix("/") ? agent : baseDirectory + "/" + agent }
        let paths = Self.fenceDirectories.map { $0 + "/" + agent }
        return paths.first(where: Self.isExecutable) ?? paths[0]
    }

    /// Where Debian's fence-agents installs its agents.
    static let fenceDirectories = ["/usr/sbin", "/sbin"]

    /// One agent found on this machine.
    public struct Entry: Sendable, Hashable {
        /// How a configuration names it.
        public var reference: String
        /// `builtin`, `script`, `ocf` or `lsb`.
        public var kind: String
        /// Where it is, or one line about a built-in agent.
        public var location: String
    }

    /// Every agent found: the built-in ones, scripts in `agents/` beside the configuration, every OCF agent under
    /// `OCF_ROOT/resource.d`, every init script, and every fence agent (`fence_*` in `/usr/sbin` or `/sbin`); sorted
    /// within each kind.
    public func entries() -> [Entry] {
        var entries = BuiltinAgent.allCases.map { Entry(reference: $0.rawValue, kind: "builtin", location: $0.summary) }
        entries += Self.names(in: baseDirectory + "/agents").filter {
            Self.isExecutable(baseDirectory + "/agents/" + $0)
        }
        .map {
            // A fence agent beside the configuration is named fence-NAME or fence_NAME.
            Entry(
                reference: "agents/\($0)", kind: $0.hasPrefix("fence") ? "fence" : "script",
                location: baseDirectory + "/agents/" + $0)
        }
        for provider in Self.names(in: ocfRoot + "/resource.d") {
            let directory = "\(ocfRoot)/resource.d/\(provider)"
            entries += Self.names(in: directory).filter { Self.isExecutable(directory + "/" + $0) }.map {
                Entry(reference: "ocf:\(provider):\($0)", kind: "ocf", location: directory + "/" + $0)
            }
        }
        entries += Self.names(in: initDirectory).filter { Self.isExecutable(initDirectory + "/" + $0) }.map {
            Entry(reference: "lsb:\($0)", kind: "lsb", location: initDirectory + "/" + $0)
        }
        var fenceAgents: Set<String> = []
        for directory in Self.fenceDirectories {
            for name in Self.names(in: directory)
            where name.hasPrefix("fence_") && Self.isExecutable(directory + "/" + name)
                && fenceAgents.insert(name).inserted
            {
                entries.append(Entry(reference: name, kind: "fence", location: directory + "/" + name))
            }
        }
        return entries
    }

    private static func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return "/" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The visible names in a directory, sorted; a name starting with '.' is hidden, as OCF providers hide helpers.
    static func names(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix("."), name != "README.md" { names.append(name) }
        }
        return names.sorted()
    }

    private static func isExecutable(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG && access(path, X_OK) == 0
    }
}
