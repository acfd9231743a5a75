// Loads and validates generated clusters of 2 nodes and N groups of 10 resources, and prints the times.
// Run: swift run -c release config-load-benchmark [repetitions]
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

/// Median wall time of loading `bytes`, over `repetitions` runs.
func measure(_ bytes: [UInt8], repetitions: Int) -> Duration {
    var times: [Duration] = []
    for _ in 0..<repetitions {
        let clock = ContinuousClock()
        let start = clock.now
        let result = ConfigLoader.load(bytes, file: "bench.yaml")
        times.append(clock.now - start)
        precondition(result.spec != nil, "generated config is invalid: \(result.diagnostics.prefix(3))")
    }
    return times.sorted()[times.count / 2]
}

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

let repetitions = CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 9
var times: [Double] = []
print("groups  resources  bytes      median ms (\(repetitions) runs, load + validate)")
for groups in [500, 5000] {
    let bytes = Array(generate(groups: groups).utf8)
    let time = milliseconds(measure(bytes, repetitions: repetitions))
    times.append(time)
    print(String(format: "%-7d %-10d %-10d %.2f", groups, groups * 10, bytes.count, time))
}
print(String(format: "10x the resources takes %.2fx the time", times[1] / times[0]))
var usage = rusage()
getrusage(RUSAGE_SELF.rawValue, &usage)
print("peak RSS \(usage.ru_maxrss / 1024) MiB")
