/// A list of events to play against a configuration, for `baton simulate`.
public struct Scenario: Hashable, Sendable {
    /// The events, in order.
    public var events: [ScenarioEvent]

    /// Creates a scenario.
    public init(events: [ScenarioEvent]) {
        self.events = events
    }
}

/// One event of a scenario: what happens, when, and which actions of the resulting plans fail.
public struct ScenarioEvent: Hashable, Sendable {
    /// What happens. A resource failure without a node happens where the resource runs at that moment.
    public enum Happening: Hashable, Sendable {
        /// A trigger that names everything it needs.
        case trigger(Trigger)
        /// A resource fails where it runs, with an OCF exit code.
        case resourceFailedWhereItRuns(ResourceName, code: Int)
    }

    /// What happens.
    public var happening: Happening
    /// When, from the start of the scenario; `nil` means one second after the previous event.
    public var time: Duration?
    /// Actions that fail the first time they run while this event is handled, by label, with their exit codes.
    public var failing: [String: Int]
    /// Where the event is written.
    public var location: SourceLocation

    /// Creates an event.
    public init(
        _ happening: Happening, at time: Duration? = nil, failing: [String: Int] = [:], location: SourceLocation
    ) {
        self.happening = happening
        self.time = time
        self.failing = failing
        self.location = location
    }

    /// The trigger this event is in `state`, or why it cannot be played.
    public func trigger(in spec: ClusterSpec, state: ClusterState) -> Result<Trigger, ScenarioError> {
        let trigger: Trigger
        switch happening {
        case .trigger(let given):
            trigger = given
        case .resourceFailedWhereItRuns(let resource, let code):
            guard spec.groupAndResource(named: resource) != nil else {
                return .failure(ScenarioError(location: location, message: "unknown resource '\(resource)'"))
            }
            guard let node = state.state(of: resource).activeNode else {
                return .failure(
                    ScenarioError(
                        location: location,
                        message: "\(resource) runs nowhere at this point; name the node: \(resource)@NODE"))
            }
            trigger = .resourceFailed(resource, node: node, code: code)
        }
        if let problem = trigger.problem(in: spec, state: state) {
            return .failure(ScenarioError(location: location, message: problem))
        }
        return .success(trigger)
    }
}

/// An event that cannot be played, and where it is written.
public struct ScenarioError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Where the event is.
    public var location: SourceLocation
    /// What is wrong.
    public var message: String

    /// `file:line:column: error: message`.
    public var description: String { "\(location): error: \(message)" }
}
