/// One action at a time per resource: the agents' contract, whoever asks (a plan, a recurring monitor).
actor ResourceLocks {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` once no other action holds `name`; waiters are served in arrival order.
    func withLock<T: Sendable>(_ name: String, _ body: @Sendable () async -> T) async -> T {
        if !busy.insert(name).inserted {
            await withCheckedContinuation { waiting[name, default: []].append($0) }
        }
        let result = await body()
        if var queue = waiting[name], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[name] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            busy.remove(name)
        }
        return result
    }
}
