// Agent-runner benchmark: Baton's own cost per action, and many monitors at once.
//
//   swift build -c release && .build/release/baton-agent-benchmark [ACTIONS]
//
// Overhead: the median of ACTIONS (default 500) one-at-a-time `monitor` actions of a no-op OCF agent (/bin/true)
// through OCFAgent, minus the median of as many bare posix_spawn + waitpid runs of /bin/true: what Baton adds
// beyond the agent's own run (environment, session, pipes, supervision). Then 1,000 no-op monitors through the
// real ActionRunner on the executor, 8 at a time.
import BatonAgents
import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

let count = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 500
let clock = ContinuousClock()

func median(_ values: [Duration]) -> Duration { values.sorted()[values.count / 2] }
func milliseconds(_ duration: Duration) -> String {
    let microseconds = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
    return "\(microseconds / 1000).\(String(1000 + microseconds % 1000).dropFirst()) ms"
}

func bareSpawn() -> Duration {
    let start = clock.now
    var pid: pid_t = 0
    let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), strdup("monitor"), nil]
    defer { arguments.forEach { free($0) } }
    posix_spawn(&pid, "/bin/true", nil, nil, arguments, nil)
    var status: Int32 = 0
    waitpid(pid, &status, 0)
    return clock.now - start
}

let agent = OCFAgent(
    reference: .script(path: "/bin/true"), path: "/bin/true", provider: "baton", type: "true", ocfRoot: "/usr/lib/ocf")
let request = AgentRequest(
    instance: "noop", action: .monitor(interval: .seconds(10), depth: 0), parameters: [("a", "1"), ("b", "2")])
var baton: [Duration] = []
var bare: [Duration] = []
for _ in 0..<count {
    bare.append(bareSpawn())
    let start = clock.now
    _ = await agent.perform(request)
    baton.append(clock.now - start)
}
print("no-op monitor through OCFAgent: median \(milliseconds(median(baton))) over \(count) actions")
print("bare posix_spawn + waitpid:     median \(milliseconds(median(bare)))")
print("Baton's overhead per action:    median \(milliseconds(median(baton) - median(bare)))")

// 1,000 monitors of 1,000 resources through the real runner and the executor, 8 at a time.
let resources = (0..<1000).map { index in
    ResourceSpec(
        name: ResourceName("r\(index)"),
        agent: Located(.script(path: "/bin/true"), at: SourceLocation(file: "b", line: 1, column: 1)),
        at: SourceLocation(file: "b", line: 1, column: 1))
}
let location = SourceLocation(file: "b", line: 1, column: 1)
let spec = ClusterSpec(
    cluster: Located(ClusterName("bench"), at: location),
    heartbeat: HeartbeatSettings(at: location, keyFile: Located("/k", at: location)),
    nodes: [NodeSpec(name: NodeName("n1"), priority: 0, links: [], at: location)],
    groups: [GroupSpec(name: GroupName("g"), resources: resources, at: location)])
let actions = resources.enumerated().map { index, resource in
    PlannedAction(
        id: index + 1, kind: .monitor, node: NodeName("n1"), group: GroupName("g"), resource: resource.name,
        target: nil,
        timeout: .seconds(20), interval: .seconds(10), reason: "benchmark", waits: [], step: 0)
}
let plan = Plan(
    trigger: .startGroup(GroupName("g")), senior: NodeName("n1"), actions: actions, placement: [:], notes: [],
    detection: Detection(.zero, "benchmark"))
let runner = AgentActionRunner(spec: spec, catalog: AgentCatalog())
let start = clock.now
let report = await Executor(maximumConcurrency: 8).run(plan, with: runner)
let elapsed = clock.now - start
print("1,000 no-op monitors, 8 at a time: \(milliseconds(elapsed)); \(report.failures.count) failed")
