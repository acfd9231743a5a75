import BatonCore
import BatonNet
import Synchronization

/// A clock for in-process clusters that no real time drives: time stands still while anything of the cluster runs,
/// and once it has been quiet for a while (nothing slept, sent or woke through many turns of the scheduler), it
/// jumps to the earliest sleeper's deadline and wakes it. A test's own waits are sleepers too, so a cluster that
/// would idle for seconds between heartbeats runs as fast as its work allows.
///
/// Quiet is judged, not known: work that runs for a long time without sleeping or sending (a plan, on a loaded
/// machine) may see time move meanwhile, as it would on a slow machine.
final class VirtualClock: EngineClock {
    private struct Sleeper {
        var id: Int
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Duration = .zero
        var sleepers: [Sleeper] = []
        var nextID = 0
        /// Raised by every sleep, wake-up and packet: what settling watches.
        var activity = 0
        /// Sleepers woken whose task has not run again yet: time waits for them.
        var waking: Set<Int> = []
    }

    private let state = Mutex(State())
    /// The wall clock at time zero.
    private let epoch: Int64 = 1_800_000_000_000

    var now: Duration { state.withLock { $0.now } }

    var wall: Timestamp { Timestamp(milliseconds: epoch + now.wholeMilliseconds) }

    /// Something happened that leads to more work (a packet on its way): time waits for it to settle.
    func noteActivity() {
        state.withLock { $0.activity += 1 }
    }

    func sleep(until deadline: Duration) async throws {
        let id = state.withLock { state in
            state.nextID += 1
            state.activity += 1
            return state.nextID
        }
        defer {
            state.withLock { state in
                state.waking.remove(id)
                state.activity += 1
            }
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let wake: Bool? = state.withLock { state in
                    if Task.isCancelled { return false }
                    if deadline <= state.now { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                switch wake {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state in
                state.sleepers.firstIndex { $0.id == id }.map { state.sleepers.remove(at: $0) }
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time until the task is cancelled: settle, jump to the earliest deadline, wake what is due.
    func run() async {
        while !Task.isCancelled {
            await settle()
            let due = state.withLock { state -> [Sleeper] in
                guard let next = state.sleepers.map(\.deadline).min() else { return [] }
                state.now = max(state.now, next)
                let now = state.now
                let due = state.sleepers.filter { $0.deadline <= now }
                state.sleepers.removeAll { $0.deadline <= now }
                state.waking.formUnion(due.map(\.id))
                state.activity += 1
                return due
            }
            for sleeper in due { sleeper.continuation.resume() }
            // Nothing sleeps (between a cluster's engines, say): real time passes instead.
            if due.isEmpty { try? await Task.sleep(for: .milliseconds(1)) }
        }
    }

    /// Returns once every sleeper woken has run again and nothing happened through many turns of the scheduler, and
    /// through a moment of real time: an engine's work that sleeps on nothing (a plan, a packet read) then gets the
    /// processor even when the machine is loaded, and the clock does not spin while other tests wait for it.
    private func settle() async {
        var last = state.withLock { $0.activity }
        var quiet = 0
        while quiet < 50, !Task.isCancelled {
            if quiet % 10 == 9 { try? await Task.sleep(for: .microseconds(50)) } else { await Task.yield() }
            let (activity, waking) = state.withLock { ($0.activity, !$0.waking.isEmpty) }
            if waking {
                quiet = 0
            } else if activity == last {
                quiet += 1
            } else {
                quiet = 0
                last = activity
            }
        }
    }
}
