/// Walks a plan's graph through an ``ActionRunner``.
///
/// Actions run as soon as everything they wait for has succeeded, up to ``maximumConcurrency`` at once and never
/// two on one resource at the same time. When an action fails, nothing that waits for it (directly or not) is
/// dispatched; every other action still runs. Every result is reported as it is known.
public struct Executor: Sendable {
    /// How many actions may run at once.
    public var maximumConcurrency: Int

    /// Creates an executor.
    public init(maximumConcurrency: Int = 8) {
        self.maximumConcurrency = max(1, maximumConcurrency)
    }

    /// Runs `plan` and returns every action's result.
    /// - Parameters:
    ///   - runner: performs the actions.
    ///   - report: called with each result as soon as it is known, from the executor's task.
    public func run(_ plan: Plan, with runner: some ActionRunner, report: (ActionResult) -> Void = { _ in }) async
        -> ExecutionReport
    {
        let actions = plan.actions
        var dependents = [[Int]](repeating: [], count: actions.count)
        var waiting = actions.map(\.waits.count)
        for action in actions {
            for wait in action.waits { dependents[wait.action - 1].append(action.id - 1) }
        }
        var results = [ActionResult?](repeating: nil, count: actions.count)
        // Ready actions in a queue; one whose resource is busy waits in that resource's list until it is free.
        var ready = actions.indices.filter { waiting[$0] == 0 }
        var head = 0
        var deferred: [ResourceName: [Int]] = [:]
        var busy: Set<ResourceName> = []
        var running = 0

        func skip(dependentsOf index: Int) {
            var stack = dependents[index]
            while let next = stack.popLast() {
                guard results[next] == nil else { continue }
                results[next] = ActionResult(action: next + 1, status: .skipped(because: index + 1), outcome: nil)
                report(results[next]!)
                stack += dependents[next]
            }
        }

        await withTaskGroup(of: (Int, ActionOutcome).self) { group in
            func dispatch() {
                while running < maximumConcurrency, head < ready.count {
                    let index = ready[head]
                    head += 1
                    if let resource = actions[index].resource, !busy.insert(resource).inserted {
                        deferred[resource, default: []].append(index)
                        continue
                    }
                    running += 1
                    let action = actions[index]
                    group.addTask { (index, await runner.run(action)) }
                }
            }
            dispatch()
            while let (index, outcome) = await group.next() {
                running -= 1
                if let resource = actions[index].resource {
                    busy.remove(resource)
                    ready += deferred.removeValue(forKey: resource) ?? []
                }
                let succeeded = !outcome.timedOut && actions[index].kind.succeeds(with: outcome.code)
                results[index] = ActionResult(
                    action: index + 1, status: succeeded ? .succeeded : .failed, outcome: outcome)
                report(results[index]!)
                if succeeded {
                    for dependent in dependents[index] {
                        waiting[dependent] -= 1
                        if waiting[dependent] == 0, results[dependent] == nil { ready.append(dependent) }
                    }
                } else {
                    skip(dependentsOf: index)
                }
                dispatch()
            }
        }
        return ExecutionReport(
            results: results.enumerated().map {
                $1 ?? ActionResult(action: $0 + 1, status: .skipped(because: 0), outcome: nil)
            })
    }
}
