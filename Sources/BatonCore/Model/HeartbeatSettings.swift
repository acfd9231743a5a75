/// How nodes watch each other: the UDP port, the clock tick and the timeouts derived from it.
public struct HeartbeatSettings: Hashable, Sendable {
    /// The port heartbeats use when none is given.
    public static var defaultPort: Int { 7405 }
    /// The key file used when none is given.
    public static var defaultKeyFile: String { "/etc/baton/authkey" }

    /// The UDP port on every link.
    public var port: Located<Int>
    /// The test-packet period, the cluster's clock tick.
    public var interval: Located<Duration>
    /// A link silent this long is late.
    public var warntime: Located<Duration>
    /// A node silent on every link this long is dead.
    public var deadtime: Located<Duration>
    /// At start, how long to listen for peers before acting alone.
    public var initdead: Located<Duration>
    /// The shared secret that signs every packet; relative paths are relative to the config file.
    public var keyFile: Located<String>

    /// Creates settings; each timing left out is derived from `interval` as DESIGN §3 says, except that warntime is
    /// never more than halfway from the interval to deadtime.
    /// - Parameter location: where defaults are reported (the `heartbeat` key, or the top of the file).
    public init(
        at location: SourceLocation, port: Located<Int>? = nil, interval: Located<Duration>? = nil,
        warntime: Located<Duration>? = nil, deadtime: Located<Duration>? = nil, initdead: Located<Duration>? = nil,
        keyFile: Located<String>? = nil
    ) {
        let interval = interval ?? Located(.seconds(1), at: location)
        let deadtime = deadtime ?? Located(interval.value * 5, at: location)
        self.port = port ?? Located(Self.defaultPort, at: location)
        self.interval = interval
        // Three intervals, but always between the interval and deadtime, so a written deadtime alone stays valid.
        self.warntime =
            warntime ?? Located(min(interval.value * 3, (interval.value + deadtime.value) / 2), at: location)
        self.deadtime = deadtime
        self.initdead = initdead ?? Located(deadtime.value * 2, at: location)
        self.keyFile = keyFile ?? Located(Self.defaultKeyFile, at: location)
    }
}
