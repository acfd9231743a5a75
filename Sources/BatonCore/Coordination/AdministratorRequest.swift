/// An administrator's request, as the control socket takes it and the senior node plans it; also what a node that
/// gave way asks its senior (``rejoin(node:)``). Names are plain strings, as they come from the command line: the
/// senior refuses what names nothing.
public enum AdministratorRequest: Codable, Hashable, Sendable {
    /// `baton switch GROUP NODE`.
    case switchover(group: String, to: String)
    /// `baton standby NODE`.
    case standby(node: String)
    /// `baton online NODE`.
    case online(node: String)
    /// `baton cleanup RESOURCE`.
    case cleanup(resource: String)
    /// `baton start GROUP --force`: also a group that waits for its last owner's newer data.
    case forceStart(group: String)
    /// `baton start GROUP`: a group an administrator stopped runs again.
    case start(group: String)
    /// `baton stop GROUP`: the group stops and stays stopped, across restarts, until `baton start`.
    case stop(group: String)
    /// `baton unmove GROUP`: the group no longer prefers the node a switchover moved it to.
    case unmove(group: String)
    /// `baton fence NODE`: fence the node now, through the senior.
    case fence(node: String)
    /// `baton fence confirm NODE`: the administrator swears the node is off.
    case confirmFenced(node: String)
    /// `baton maintenance on|off [--node NODE | GROUP]`: the cluster (neither named), a node or a group.
    case maintenance(on: Bool, node: String?, group: String?)
    /// `baton config apply FILE` (or SIGHUP): the configuration file whose digest is `digest`, which `node` holds
    /// staged, replaces the cluster's.
    case applyConfiguration(digest: String, node: String)
    /// Not an administrator's: a node that led the cluster apart (a partition that only it saw) and then gave way
    /// asks the senior to probe it, since what it started meanwhile runs there unknown to the senior.
    case rejoin(node: String)
}
