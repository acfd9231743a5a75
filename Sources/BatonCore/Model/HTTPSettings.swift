/// The engine's HTTP endpoint (`http:` in cluster.yaml): metrics, health checks, the status as JSON, a status page.
/// Off unless written; on the loopback address unless another is given.
public struct HTTPSettings: Hashable, Sendable {
    /// The address listened on when none is written.
    public static var defaultAddress: IPAddress { try! IPAddress(configText: "127.0.0.1") }
    /// The port when none is written (beside Prometheus's node exporter, 9100).
    public static var defaultPort: Int { 9105 }

    /// The address to listen on, the same on every node: `127.0.0.1`, or `0.0.0.0` for every address.
    public var address: Located<IPAddress>
    /// The TCP port.
    public var port: Located<Int>

    /// Creates settings; what is not written takes its default, reported at `location`.
    public init(address: Located<IPAddress>? = nil, port: Located<Int>? = nil, at location: SourceLocation) {
        self.address = address ?? Located(Self.defaultAddress, at: location)
        self.port = port ?? Located(Self.defaultPort, at: location)
    }

    func validate() -> [Diagnostic] {
        guard !(1...65535).contains(port.value) else { return [] }
        return [
            Diagnostic(
                .error, .badValue, at: port.location, "http port \(port.value) is out of range",
                hint: "use a TCP port from 1 to 65535; 9105 unless written")
        ]
    }
}
