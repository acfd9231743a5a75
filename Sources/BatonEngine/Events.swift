import BatonAgents
import BatonControl
import BatonCore
import Logging

/// Where the engine's events go: the log (one line each, stable keys), the recent list that `baton status` shows,
/// followers of `baton events --follow`, and the administrator's handler program, which runs on its own and never
/// delays the engine.
struct EventLog {
    /// How many events `baton status` and `baton events` keep.
    static let kept = 200

    private(set) var recent: [EventRecord] = []
    private var followers: [Int: AsyncStream<EventRecord>.Continuation] = [:]
    private var nextFollower = 0
    let logger: Logger
    var handler: EventSettings?
    /// Where the handler's runs go: the engine runs each in a task of its own.
    let runs: AsyncStream<ProcessRequest>.Continuation

    /// Every event, kept across restarts.
    let history: EventHistory

    init(
        logger: Logger, handler: EventSettings?, runs: AsyncStream<ProcessRequest>.Continuation,
        history: EventHistory
    ) {
        self.logger = logger
        self.handler = handler
        self.runs = runs
        self.history = history
    }

    mutating func record(_ event: EventRecord) {
        recent.append(event)
        if recent.count > Self.kept { recent.removeFirst(recent.count - Self.kept) }
        history.append(event)
        var metadata: Logger.Metadata = [
            "event": "\(event.event)", "role": "\(event.role.rawValue)", "node": "\(event.node)",
        ]
        if event.reporter != event.node { metadata["reporter"] = "\(event.reporter)" }
        if let group = event.group { metadata["group"] = "\(group)" }
        if let resource = event.resource { metadata["resource"] = "\(resource)" }
        if let action = event.action { metadata["action"] = "\(action)" }
        logger.log(level: event.severity.logLevel, "\(event.message)", metadata: metadata)
        for follower in followers.values { follower.yield(event) }
        if let handler { runs.yield(Self.handlerRun(handler, for: event)) }
    }

    /// A stream of every event from now on; it ends when the caller's task is cancelled.
    mutating func follow() -> (id: Int, stream: AsyncStream<EventRecord>) {
        let (stream, continuation) = AsyncStream.makeStream(
            of: EventRecord.self, bufferingPolicy: .bufferingNewest(1000))
        nextFollower += 1
        followers[nextFollower] = continuation
        return (nextFollower, stream)
    }

    mutating func unfollow(_ id: Int) {
        followers.removeValue(forKey: id)?.finish()
    }

    /// The handler with the event in its environment, within its timeout.
    private static func handlerRun(_ settings: EventSettings, for event: EventRecord) -> ProcessRequest {
        var environment = [
            ("BATON_EVENT", event.event), ("BATON_NODE", event.node), ("BATON_REPORTER", event.reporter),
            ("BATON_ROLE", event.role.rawValue),
            ("BATON_SEVERITY", event.severity.rawValue), ("BATON_MESSAGE", event.message),
            ("BATON_TIMESTAMP", String(event.time.milliseconds)),
        ]
        environment.append(("BATON_GROUP", event.group ?? ""))
        environment.append(("BATON_RESOURCE", event.resource ?? ""))
        if let action = event.action { environment.append(("BATON_ACTION", action)) }
        return ProcessRequest(
            executable: settings.handler.value, arguments: [event.event], environment: environment,
            timeout: settings.timeout.value, grace: .seconds(2))
    }
}

extension EventRecord.Severity {
    var logLevel: Logger.Level {
        switch self {
        case .info: .info
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
