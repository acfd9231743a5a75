/// `RESOURCE[@NODE][:CODE]`: a resource failure as `baton plan --resource-fail` and scenarios write it.
public struct ResourceFailure: Hashable, Sendable {
    /// The exit code when none is written: 7, not running, what a monitor sees when the process is gone.
    public static let defaultCode = 7

    /// The resource.
    public var resource: ResourceName
    /// Where it failed; `nil` means where it runs.
    public var node: NodeName?
    /// The OCF exit code.
    public var code: Int

    /// Parses `RESOURCE[@NODE][:CODE]`.
    /// - Throws: ``ValueError`` with code ``DiagnosticCode/badValue``.
    public init(configText text: String) throws(ValueError) {
        var rest = Substring(text)
        code = Self.defaultCode
        if let colon = rest.lastIndex(of: ":") {
            guard let parsed = Int(rest[rest.index(after: colon)...]), (0...255).contains(parsed) else {
                throw ValueError(
                    .badValue, "'\(text)': the exit code after ':' is not a number from 0 to 255",
                    hint: "write RESOURCE[@NODE][:CODE], e.g. db@node2:7")
            }
            code = parsed
            rest = rest[..<colon]
        }
        if let at = rest.firstIndex(of: "@") {
            node = NodeName(String(rest[rest.index(after: at)...]))
            rest = rest[..<at]
        }
        guard !rest.isEmpty, node?.rawValue.isEmpty != true else {
            throw ValueError(
                .badValue, "'\(text)' is not a resource failure", hint: "write RESOURCE[@NODE][:CODE], e.g. db@node2:7")
        }
        resource = ResourceName(String(rest))
    }

    /// The trigger this failure is in `state`: at the node written, or where the resource runs.
    /// - Throws: ``ValueError`` when the resource is unknown, or no node is written and it runs nowhere.
    public func trigger(in spec: ClusterSpec, state: ClusterState) throws(ValueError) -> Trigger {
        guard spec.groupAndResource(named: resource) != nil else {
            throw ValueError(
                .unknownReference, "unknown resource '\(resource)'", hint: "name a resource of the configuration")
        }
        guard let node = node ?? state.state(of: resource).activeNode else {
            throw ValueError(
                .badValue, "\(resource) runs nowhere at this point; name the node: \(resource)@NODE",
                hint: "write RESOURCE@NODE")
        }
        return .resourceFailed(resource, node: node, code: code)
    }
}
