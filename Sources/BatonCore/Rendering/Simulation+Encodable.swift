/// The JSON form of a played scenario, documented in baton(8): a list of events, each with its rounds (the plan,
/// then each re-plan) and the state after it.
extension Simulator.Step: Encodable {
    private enum Keys: String, CodingKey {
        case event, time, rounds, state
    }

    /// Encodes `{event, time, rounds: [{plan, results}], state}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(number, forKey: .event)
        try container.encode(time, forKey: .time)
        try container.encode(rounds, forKey: .rounds)
        try container.encode(state, forKey: .state)
    }
}

extension Simulator.Round: Encodable {
    private enum Keys: String, CodingKey {
        case plan, results
    }

    private struct EncodedResult: Encodable {
        var id: Int
        var status: String
        var code: Int?
        var timedOut: Bool?
        var injected: Bool?
        var skippedBecause: Int?
    }

    /// Encodes `{plan, results: [{id, status, code, timedOut, injected, skippedBecause}]}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(plan, forKey: .plan)
        let results = report.results.map { result in
            switch result.status {
            case .succeeded:
                EncodedResult(id: result.action, status: "succeeded", code: result.outcome?.code)
            case .failed:
                EncodedResult(
                    id: result.action, status: "failed", code: result.outcome?.code, timedOut: result.outcome?.timedOut,
                    injected: injected.contains(result.action))
            case .skipped(let cause):
                EncodedResult(id: result.action, status: "skipped", skippedBecause: cause)
            }
        }
        try container.encode(results, forKey: .results)
    }
}
