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
    /// What happens.
    public enum Happening: Hashable, Sendable {
        /// A trigger that names everything it needs.
        case trigger(Trigger)
        /// A resource fails; without a node, where it runs at that moment.
        case resourceFailure(ResourceFailure)
    }

    /// What happens.
    public var happening: Happening
    /// When, from the start of the scenario; `nil` means one second after the previous event.
    public var time: Duration?
    /// Actions that fail the first time they run while this event is handled, by label, with their exit codes.
    public var failing: [String: Int]
    /// Where the event is written.
    public var location: SourceLocation
    /// Where its `at` is written, if it is.
    public var timeLocation: SourceLocation?
    /// Where each label of ``failing`` is written.
    public var failingLocations: [String: SourceLocation] = [:]

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
        case .resourceFailure(let failure):
            do throws(ValueError) {
                trigger = try failure.trigger(in: spec, state: state)
            } catch {
                return .failure(ScenarioError(location: location, message: error.message))
            }
        }
        if let problem = trigger.problem(in: spec, state: state) {
            return .failure(ScenarioError(location: location, message: problem))
        }
        return .success(trigger)
    }
}

/// Every line of a scenario that cannot be played, in order.
public struct ScenarioFailure: Error, Hashable, Sendable, CustomStringConvertible {
    /// The errors.
    public var errors: [ScenarioError]

    /// One error per line.
    public var description: String { errors.map(\.description).joined(separator: "\n") }
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
