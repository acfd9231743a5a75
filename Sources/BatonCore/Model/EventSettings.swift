/// The administrator's program that Baton runs for every event; it never blocks a takeover.
public struct EventSettings: Hashable, Sendable {
    /// How long the handler may run when no timeout is written.
    public static var defaultTimeout: Duration { .seconds(30) }

    /// The handler's path; relative paths are relative to the config file.
    public var handler: Located<String>
    /// How long one run may take before it is killed.
    public var timeout: Located<Duration>

    /// Creates event settings.
    public init(handler: Located<String>, timeout: Located<Duration>? = nil) {
        self.handler = handler
        self.timeout = timeout ?? Located(Self.defaultTimeout, at: handler.location)
    }
}
