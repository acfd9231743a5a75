/// Which agent manages a resource, as written in `agent:`.
public enum AgentReference: Hashable, Sendable, CustomStringConvertible {
    /// One of Baton's own Swift agents.
    case builtin(BuiltinAgent)
    /// `ocf:PROVIDER:TYPE`: `$OCF_ROOT/resource.d/PROVIDER/TYPE`.
    case ocf(provider: String, type: String)
    /// `lsb:NAME`: `/etc/init.d/NAME`.
    case lsb(String)
    /// `systemd:UNIT`.
    case systemd(String)
    /// A script that speaks the OCF protocol: absolute, or relative to the config file.
    case script(path: String)

    /// Parses an agent reference. Whether the agent is installed is not checked here.
    /// - Throws: ``ValueError`` with code ``DiagnosticCode/badAgent``.
    public init(configText text: String) throws(ValueError) {
        // Built-in names have no ':' or '/', so trying them first changes no answer and is the common case.
        if let builtin = BuiltinAgent(rawValue: text) {
            self = .builtin(builtin)
        } else if let rest = text.dropPrefix("ocf:") {
            let colon = rest.utf8.firstIndex(of: UInt8(ascii: ":")) ?? rest.endIndex
            let provider = rest[..<colon]
            let type = colon == rest.endIndex ? "" : rest[rest.utf8.index(after: colon)...]
            guard Self.isAgentName(provider), Self.isAgentName(type) else {
                throw ValueError(
                    .badAgent, "'\(text)' is not an OCF agent reference",
                    hint: "write ocf:PROVIDER:TYPE, for example ocf:heartbeat:IPaddr2")
            }
            self = .ocf(provider: String(provider), type: String(type))
        } else if let name = text.dropPrefix("lsb:") {
            guard Self.isAgentName(name) else {
                throw ValueError(
                    .badAgent, "'\(text)' is not an LSB agent reference",
                    hint: "write lsb:NAME, the name of a script in /etc/init.d")
            }
            self = .lsb(String(name))
        } else if let unit = text.dropPrefix("systemd:") {
            guard Self.isUnitName(unit) else {
                throw ValueError(
                    .badAgent, "'\(text)' is not a systemd agent reference",
                    hint: "write systemd:UNIT, for example systemd:postgresql or systemd:nginx.service")
            }
            self = .systemd(String(unit))
        } else if let prefix = Self.classPrefix(of: text) {
            throw ValueError(
                .badAgent, "unknown agent class '\(prefix)' in '\(text)'",
                hint: "Baton runs ocf:, lsb: and systemd: agents; write ./\(text) for a script whose name has a colon")
        } else if text.contains("/") {
            guard !text.hasSuffix("/"), !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
                throw ValueError(
                    .badAgent, "'\(text)' is not a script path",
                    hint: "name the agent script file, for example agents/dummy or /usr/local/lib/baton/myagent")
            }
            self = .script(path: text)
        } else if let suggestion = Spelling.suggestion(for: text, among: BuiltinAgent.allCases.map(\.rawValue)) {
            throw ValueError(.badAgent, "unknown agent '\(text)'", hint: "did you mean '\(suggestion)'?")
        } else {
            let forms =
                "use a built-in agent (\(BuiltinAgent.allCases.map(\.rawValue).joined(separator: ", "))), "
                + "ocf:PROVIDER:TYPE, lsb:NAME, systemd:UNIT or a script path"
            throw ValueError(.badAgent, "unknown agent '\(text)'", hint: forms)
        }
    }

    /// The reference as written in a configuration.
    public var description: String {
        switch self {
        case .builtin(let agent): agent.rawValue
        case .ocf(let provider, let type): "ocf:\(provider):\(type)"
        case .lsb(let name): "lsb:\(name)"
        case .systemd(let unit): "systemd:\(unit)"
        case .script(let path): path
        }
    }

    /// The `word` of a `word:rest` reference, which names an agent class rather than a path.
    private static func classPrefix(of text: String) -> Substring? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let prefix = text[..<colon]
        return !prefix.isEmpty && prefix.utf8.allSatisfy(\.isASCIILetter) ? prefix : nil
    }

    private static func isAgentName(_ text: Substring) -> Bool {
        guard let first = text.utf8.first, first.isASCIIAlphanumeric, text.utf8.count <= 255 else { return false }
        return text.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == .dot || $0 == .underscore || $0 == .hyphen }
    }

    private static func isUnitName(_ text: Substring) -> Bool {
        let extra: Set<UInt8> = [.dot, .underscore, .hyphen, .colon, UInt8(ascii: "@"), UInt8(ascii: "\\")]
        guard let first = text.utf8.first, first.isASCIIAlphanumeric, text.utf8.count <= 255 else { return false }
        return text.utf8.allSatisfy { $0.isASCIIAlphanumeric || extra.contains($0) }
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}
