/// A node's role, after LINTER's server states, as `baton status` shows it.
public enum NodeRole: String, Hashable, Sendable, Codable, CaseIterable {
    /// Listening for peers during `initdead` (LINTER's NOT_FOUND wait).
    case undefined = "UNDEFINED"
    /// Starting its groups alone.
    case startMono = "STARTMONO"
    /// Active with no ready standby.
    case mono = "MONO"
    /// Active with a ready standby.
    case main = "MAIN"
    /// Standby, waiting for the active node.
    case slaveWait = "SLAVE_WAIT"
    /// Standby, in contact with the active node.
    case slave = "SLAVE"
    /// Ready standby: can take over at once.
    case slaveOK = "SLAVE_OK"
    /// Taking over as the active node.
    case switchingToMono = "SW_TO_MONO"
    /// Shutting down.
    case shutDown = "SHUT_DOWN"
    /// Not running.
    case stopped = "STOPPED"
    /// Was active, and a start failed.
    case mainFailed = "MAINFAILER"
    /// Was standby, and a start failed during a takeover.
    case slaveFailed = "SLAVEFAILER"

    /// The role in plain words.
    public var summary: String {
        switch self {
        case .undefined: "listening for peers"
        case .startMono: "starting alone"
        case .mono: "active, no ready standby"
        case .main: "active, with a ready standby"
        case .slaveWait: "standby, waiting"
        case .slave: "standby"
        case .slaveOK: "ready standby"
        case .switchingToMono: "taking over"
        case .shutDown: "shutting down"
        case .stopped: "stopped"
        case .mainFailed: "active, a start failed"
        case .slaveFailed: "standby, a start failed"
        }
    }
}
