// Prints the figures of Baton's performance targets; see README.md. Build everything in release first:
//   swift build -c release && .build/release/baton-benchmark
import BatonConfig
import BatonCore
import Foundation

/// A cluster.yaml with 2 nodes and `groups` groups of 10 resources of four agent kinds, plus an order chain.
func generate(groups: Int) -> String {
    var text = """
        version: 1
        cluster: bench
        heartbeat: {interval: 200ms, deadtime: 1s}
        nodes:
          - {name: n1, priority: 100, links: [10.0.0.1, 192.168.0.1]}
          - {name: n2, priority: 50, links: [10.0.0.2, 192.168.0.2]}
        groups:

        """
    for group in 0..<groups {
        text += "  - name: g\(group)\n    nodes: [n1, n2]\n    resources:\n"
        for resource in 0..<10 {
            let name = "g\(group)-r\(resource)"
            switch resource % 4 {
            case 0:
                let address = "10.\(1 + group / 250).\(group % 250).\(resource + 1)/16"
                text += "      - {name: \(name), agent: floating-ip, params: {address: \(address)}}\n"
            case 1:
                text +=
                    "      - {name: \(name), agent: volume, params: {device: /dev/vg/\(name), directory: /srv/\(name)}}\n"
            case 2:
                text +=
                    "      - {name: \(name), agent: process, params: {command: /usr/bin/sleep 1000}, monitor: {interval: 10s}}\n"
            default:
                text +=
                    "      - {name: \(name), agent: 'ocf:heartbeat:Dummy', params: {state: /run/\(name)}, timeouts: {start: 30s}}\n"
            }
        }
    }
    text += "order:\n"
    for group in 0..<groups where group % 10 != 9 && group + 1 < groups {
        text += "  - {first: g\(group), then: g\(group + 1)}\n"
    }
    return text
}

/// The median wall time of `body` over `repetitions` runs, in milliseconds.
func median(_ repetitions: Int, _ body: () async -> Void) async -> Double {
    var times: [Double] = []
    for _ in 0..<repetitions {
        let start = ContinuousClock.now
        await body()
        let elapsed = (ContinuousClock.now - start).components
        times.append(Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15)
    }
    return times.sorted()[times.count / 2]
}

func spec(_ bytes: [UInt8]) -> ClusterSpec {
    let result = ConfigLoader.load(bytes, file: "bench.yaml")
    guard let spec = result.spec else { fatalError("generated config is invalid: \(result.diagnostics.prefix(3))") }
    return spec
}

/// Runs the real `baton plan` on a file: wall time from spawn to exit, and the child's peak RSS.
///
/// Spawned and reaped directly (posix_spawn, wait4): the figures are this child's, not the largest of all children
/// so far. Linux counts the spawning process's own peak in a child's, so this program stays small before it spawns.
func runBinary(_ baton: URL, config: URL) -> (milliseconds: Double, peakMiB: Int) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    let arguments = [baton.path, "plan", "-c", config.path, "--fail", "n1"]
    var argv = arguments.map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    var pid: pid_t = 0
    let start = ContinuousClock.now
    precondition(posix_spawn(&pid, baton.path, &actions, nil, &argv, environ) == 0, "cannot start \(baton.path)")
    var status: Int32 = 0
    var usage = rusage()
    precondition(wait4(pid, &status, 0, &usage) == pid && status == 0, "baton plan failed")
    let elapsed = (ContinuousClock.now - start).components
    return (Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15, usage.ru_maxrss / 1024)
}

// `baton-benchmark --config GROUPS` prints the generated configuration, to time `baton plan` with other tools.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--config", let groups = Int(CommandLine.arguments[2])
{
    print(generate(groups: groups), terminator: "")
    exit(0)
}

// `baton-benchmark --repeat PHASE N GROUPS` repeats one phase (load, steady, plan or render), for a profiler.
if CommandLine.arguments.count == 5, CommandLine.arguments[1] == "--repeat", let count = Int(CommandLine.arguments[3]),
    let groups = Int(CommandLine.arguments[4])
{
    let bytes = Array(generate(groups: groups).utf8)
    let cluster = spec(bytes)
    let steady = ClusterState.steady(cluster)
    let plan = Planner.plan(cluster, from: steady, trigger: .nodeLost(NodeName("n1")))
    for _ in 0..<count {
        switch CommandLine.arguments[2] {
        case "load": _ = ConfigLoader.load(bytes, file: "bench.yaml")
        case "steady": _ = ClusterState.steady(cluster)
        case "plan": _ = Planner.plan(cluster, from: steady, trigger: .nodeLost(NodeName("n1")))
        default: _ = PlanRenderer.text(plan)
        }
    }
    exit(0)
}

let repetitions = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 9
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-benchmark-\(getpid())")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let baton = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("baton")

print("== The real `baton plan --fail n1` (reads the config, plans, prints), \(repetitions) runs")
print("groups  resources  median ms  peak RSS")
for groups in [500, 5000] {
    let config = directory.appendingPathComponent("cluster-\(groups).yaml")
    try generate(groups: groups).write(to: config, atomically: true, encoding: .utf8)
    guard FileManager.default.isExecutableFile(atPath: baton.path) else {
        print("(skipped: build the baton binary beside this one: swift build -c release)")
        break
    }
    var times: [Double] = []
    var peak = 0
    for _ in 0..<repetitions {
        let run = runBinary(baton, config: config)
        times.append(run.milliseconds)
        peak = run.peakMiB
    }
    print(String(format: "%-7d %-10d %-10.1f %d MiB", groups, groups * 10, times.sorted()[times.count / 2], peak))
}

print("\n== In process, each phase of `baton plan --fail n1`, median of \(repetitions) runs (ms)")
print("groups  resources  read   load+validate  steady  plan   render  total  actions")
var loadTimes: [Double] = []
for groups in [500, 5000] {
    let config = directory.appendingPathComponent("cluster-\(groups).yaml")
    try generate(groups: groups).write(to: config, atomically: true, encoding: .utf8)
    var bytes: [UInt8] = []
    let read = await median(repetitions) { bytes = Array(try! Data(contentsOf: config)) }
    loadTimes.append(await median(repetitions) { _ = ConfigLoader.load(bytes, file: "bench.yaml") })
    let cluster = spec(bytes)
    var steady = ClusterState()
    let steadyTime = await median(repetitions) { steady = ClusterState.steady(cluster) }
    var plan: Plan?
    let planTime = await median(repetitions) {
        plan = Planner.plan(cluster, from: steady, trigger: .nodeLost(NodeName("n1")))
    }
    let render = await median(repetitions) { _ = PlanRenderer.text(plan!) }
    let total = read + loadTimes.last! + steadyTime + planTime + render
    print(
        String(
            format: "%-7d %-10d %-6.2f %-14.2f %-7.2f %-6.2f %-7.2f %-6.2f %d", groups, groups * 10, read,
            loadTimes.last!,
            steadyTime, planTime, render, total, plan!.actions.count))
}
print(String(format: "10x the resources takes %.2fx the load time (medians)", loadTimes[1] / loadTimes[0]))

// Medians swing on a shared machine; the fastest of interleaved runs is the steadier measure of how load scales.
print("\n== Load + validate per resource, fastest of \(repetitions) interleaved runs")
let sizes = [250, 500, 1000, 2000, 5000]
let inputs = sizes.map { Array(generate(groups: $0).utf8) }
var fastest = [Double](repeating: .infinity, count: sizes.count)
for _ in 0..<repetitions {
    for (index, bytes) in inputs.enumerated() {
        fastest[index] = min(fastest[index], await median(1) { _ = ConfigLoader.load(bytes, file: "bench.yaml") })
    }
}
for (size, time) in zip(sizes, fastest) {
    print(String(format: "%-6d groups  %8.2f ms  %.2f us per resource", size, time, time * 1000 / Double(size * 10)))
}
print(
    String(
        format: "10x the resources (500 -> 5,000 groups) takes %.2fx the load time (fastest runs)",
        fastest[4] / fastest[1]))

print("\n== Simulating the node-loss plan on the executor (parallelism 8), \(repetitions) runs")
print("groups  actions  median ms  microseconds per action")
for groups in [500, 1000, 2000, 5000] {
    let cluster = spec(Array(generate(groups: groups).utf8))
    let plan = Planner.plan(cluster, from: .steady(cluster), trigger: .nodeLost(NodeName("n1")))
    let time = await median(repetitions) {
        _ = await Executor(maximumConcurrency: 8).run(plan, with: SimulatingRunner())
    }
    print(
        String(
            format: "%-7d %-8d %-10.2f %.2f", groups, plan.actions.count, time, time * 1000 / Double(plan.actions.count)
        ))
}
