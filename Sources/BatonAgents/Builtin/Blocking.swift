import Dispatch

/// Runs work that blocks in a system call (`poll`, `getaddrinfo`) on a Dispatch thread and waits for it without
/// holding a thread of the cooperative pool, which on two cores has two threads that heartbeats also need.
func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: work()) }
    }
}
