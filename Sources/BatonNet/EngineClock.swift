import BatonCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The time an engine runs on: monotonic time since the clock's origin (for membership, retries, deadlines and
/// sleeps) and the wall clock (for packets, the cluster state and events). An engine takes the machine's
/// (``SystemClock``); tests give one that they move themselves.
public protocol EngineClock: Sendable {
    /// Monotonic time since the clock's origin.
    var now: Duration { get }
    /// The wall clock.
    var wall: Timestamp { get }
    /// Suspends until ``now`` reaches `deadline`; throws when the task is cancelled.
    func sleep(until deadline: Duration) async throws
}

extension EngineClock {
    /// Suspends for `duration`; throws when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now + duration)
    }
}

/// The machine's clocks: the continuous clock from when this value was made, and the system's wall clock.
public struct SystemClock: EngineClock {
    private let origin = ContinuousClock.now

    /// A clock whose origin is now.
    public init() {}

    public var now: Duration { ContinuousClock.now - origin }

    public var wall: Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    public func sleep(until deadline: Duration) async throws {
        try await Task.sleep(until: origin + deadline, clock: .continuous)
    }
}
