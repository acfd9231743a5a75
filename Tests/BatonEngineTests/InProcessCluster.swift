import BatonAgents
import BatonConfig
import BatonControl
import BatonCore
import BatonNet
import Logging
import Synchronization

@testable import BatonEngine

/// Real engines in one process, no root: an in-memory network between their links, in which links and whole nodes
/// can be cut, and simulated machines whose agents keep what runs where, so a test sees what really runs.
final class InProcessCluster: Sendable {
    /// Every link of every node, and which are cut.
    final class Network: Sendable {
        private struct Endpoint {
            var node: NodeName
            var link: Int
            var continuation: AsyncStream<Datagram>.Continuation
        }
        private struct Wires {
            var endpoints: [IPAddress: Endpoint] = [:]
            var cut: Set<IPAddress> = []
            /// Addresses that receive nothing but still send, as an engine too slow to read its sockets.
            var deaf: Set<IPAddress> = []
        }
        private let wires = Mutex(Wires())

        func attach(_ node: NodeName, _ addresses: [IPAddress]) -> Links {
            let (stream, continuation) = AsyncStream.makeStream(
                of: Datagram.self, bufferingPolicy: .bufferingNewest(4096))
            wires.withLock { wires in
                for (link, address) in addresses.enumerated() {
                    wires.endpoints[address] = Endpoint(node: node, link: link, continuation: continuation)
                }
            }
            return Links(network: self, addresses: addresses, datagrams: stream, continuation: continuation)
        }

        func detach(_ addresses: [IPAddress]) {
            wires.withLock { wires in for address in addresses { wires.endpoints[address] = nil } }
        }

        /// Cuts (or joins again) the links with these addresses: nothing passes to or from them.
        func cut(_ addresses: [IPAddress], _ down: Bool) {
            wires.withLock { wires in
                if down { wires.cut.formUnion(addresses) } else { wires.cut.subtract(addresses) }
            }
        }

        /// Makes the links with these addresses receive nothing (`true`), or receive again.
        func deafen(_ addresses: [IPAddress], _ deaf: Bool) {
            wires.withLock { wires in
                if deaf { wires.deaf.formUnion(addresses) } else { wires.deaf.subtract(addresses) }
            }
        }

        /// Whether any link of `a` and the same link of `b` are both uncut.
        func connected(_ a: [IPAddress], _ b: [IPAddress]) -> Bool {
            wires.withLock { wires in zip(a, b).contains { !wires.cut.contains($0) && !wires.cut.contains($1) } }
        }

        /// Told of every packet delivered, when time is virtual: it waits for the packet to be read.
        let delivered: @Sendable () -> Void
        /// The time, for ``lastDelivered(from:)``.
        let now: @Sendable () -> Duration
        private let deliveries = Mutex([IPAddress: Duration]())

        init(now: @escaping @Sendable () -> Duration, delivered: @escaping @Sendable () -> Void) {
            self.now = now
            self.delivered = delivered
        }

        /// When a packet from any of `addresses` was last delivered.
        func lastDelivered(from addresses: [IPAddress]) -> Duration? {
            deliveries.withLock { times in addresses.compactMap { times[$0] }.max() }
        }

        fileprivate func deliver(_ bytes: [UInt8], from source: IPAddress, to address: IPAddress) {
            delivered()
            wires.withLock { wires in
                guard !wires.cut.contains(source), !wires.cut.contains(address), !wires.deaf.contains(address),
                    let target = wires.endpoints[address]
                else { return }
                deliveries.withLock { $0[source] = now() }
                target.continuation.yield(Datagram(bytes: bytes, source: source, link: target.link))
            }
        }
    }

    /// One engine's links on the in-memory network.
    final class Links: LinkTransport {
        let network: Network
        let addresses: [IPAddress]
        let datagrams: AsyncStream<Datagram>
        let continuation: AsyncStream<Datagram>.Continuation

        init(
            network: Network, addresses: [IPAddress], datagrams: AsyncStream<Datagram>,
            continuation: AsyncStream<Datagram>.Continuation
        ) {
            self.network = network
            self.addresses = addresses
            self.datagrams = datagrams
            self.continuation = continuation
        }

        func send(_ bytes: [UInt8], from link: Int, to address: IPAddress, port: Int) {
            guard addresses.indices.contains(link) else { return }
            network.deliver(bytes, from: addresses[link], to: address)
        }

        func rebind() async -> [Int] { [] }

        func close() async {
            network.detach(addresses)
            continuation.finish()
        }
    }

    /// What runs on which machine, as the agents would find it; shared by every node's runner.
    final class Machines: Sendable {
        private struct World {
            var running: [NodeName: Set<ResourceName>] = [:]
            /// Actions that fail the next times they run: (node, resource, start or stop), with how many times.
            var failing: [Failing: Int] = [:]
            /// Actions whose agent hangs the next time it runs, until the action's timeout kills it.
            var hanging: Set<Failing> = []
            var begun: [(action: PlannedAction, at: Duration)] = []
        }

        /// An action that fails once.
        struct Failing: Hashable {
            var node: NodeName
            var resource: ResourceName
            var kind: ActionKind
        }
        private let world = Mutex(World())
        /// Resources that, like a floating address, refuse to start while a machine this one reaches runs them.
        let exclusive: Set<ResourceName>
        let reachable: @Sendable (NodeName, NodeName) -> Bool

        init(exclusive: Set<ResourceName>, reachable: @escaping @Sendable (NodeName, NodeName) -> Bool) {
            self.exclusive = exclusive
            self.reachable = reachable
        }

        /// Where each resource runs.
        var running: [NodeName: Set<ResourceName>] { world.withLock { $0.running } }

        /// Every action the runners began, with when, in order.
        var begun: [(action: PlannedAction, at: Duration)] { world.withLock { $0.begun } }

        func began(_ action: PlannedAction, at time: Duration) {
            world.withLock { $0.begun.append((action, time)) }
        }

        /// The machine stops: what ran there is gone.
        func crash(_ node: NodeName) {
            world.withLock { $0.running[node] = nil }
        }

        /// The next `kind` (start or stop) of the resource on the node fails, `times` times in a row: a start starts
        /// nothing, a stop leaves it running.
        func failNext(_ kind: ActionKind, of resource: ResourceName, on node: NodeName, times: Int = 1) {
            world.withLock { $0.failing[Failing(node: node, resource: resource, kind: kind), default: 0] += times }
        }

        /// The next `kind` of the resource on the node hangs: it does nothing and ends when its timeout kills it.
        func hangNext(_ kind: ActionKind, of resource: ResourceName, on node: NodeName) {
            world.withLock { _ = $0.hanging.insert(Failing(node: node, resource: resource, kind: kind)) }
        }

        /// Whether this action's agent hangs (once).
        func hangs(_ action: PlannedAction) -> Bool {
            guard let name = action.resource else { return false }
            return world.withLock {
                $0.hanging.remove(Failing(node: action.node, resource: name, kind: action.kind)) != nil
            }
        }

        /// The resource runs on the machine, as if someone had started it there by hand.
        func place(_ resource: ResourceName, on node: NodeName) {
            world.withLock { _ = $0.running[node, default: []].insert(resource) }
        }

        /// The resource dies on its machine, as a killed service would.
        func kill(_ resource: ResourceName, on node: NodeName) {
            world.withLock { _ = $0.running[node]?.remove(resource) }
        }

        func perform(_ action: PlannedAction) -> ActionOutcome {
            // A fence powers the target's machine off: nothing runs there any more.
            if action.kind == .fence, let target = action.target {
                world.withLock { $0.running[target] = [] }
                return ActionOutcome(code: 0, message: "\(target) fenced")
            }
            guard let name = action.resource else { return ActionOutcome(code: 0) }
            let node = action.node
            return world.withLock { world in
                let here = world.running[node, default: []].contains(name)
                let failing = Failing(node: node, resource: name, kind: action.kind)
                if let times = world.failing[failing] {
                    world.failing[failing] = times > 1 ? times - 1 : nil
                    return ActionOutcome(code: 1, message: "injected failure")
                }
                switch action.kind {
                case .probe, .monitor:
                    return ActionOutcome(code: here ? 0 : 7)
                case .start:
                    if exclusive.contains(name),
                        world.running.contains(where: {
                            $0.key != node && $0.value.contains(name) && reachable(node, $0.key)
                        })
                    {
                        return ActionOutcome(code: 1, message: "answers from another machine", heldElsewhere: true)
                    }
                    world.running[node, default: []].insert(name)
                    return ActionOutcome(code: 0)
                case .stop:
                    world.running[node]?.remove(name)
                    return ActionOutcome(code: 0)
                case .cancelMonitor, .fenceNeeded, .fence, .notify:
                    return ActionOutcome(code: 0)
                }
            }
        }
    }

    /// One node's agents on its simulated machine; each action takes a moment, so that actions interleave.
    struct Runner: ActionRunner {
        let machines: Machines
        let clock: any EngineClock

        func run(_ action: PlannedAction) async -> ActionOutcome {
            machines.began(action, at: clock.now)
            try? await clock.sleep(for: .milliseconds(2))
            if machines.hangs(action) {
                // As the real runner does with an agent that hangs: it is killed at the timeout, and that is a failure.
                try? await clock.sleep(for: action.timeout)
                return ActionOutcome(code: 1, timedOut: true, message: "timed out after \(action.timeout)")
            }
            return machines.perform(action)
        }
    }

    /// An in-memory state store: what a node's state file would hold across restarts of its engine.
    final class Store: StateStore {
        private let stored = Mutex(StoredState())
        func load() throws -> StoredState { stored.withLock { $0 } }
        func save(_ state: StoredState) throws { stored.withLock { $0 = state } }
    }

    private struct Running {
        var engine: Engine
        var task: Task<Void, Never>
    }

    let spec: ClusterSpec
    let configuration: [UInt8]
    let network: Network
    let machines: Machines
    /// The time every engine of the cluster runs on.
    let clock: any EngineClock
    /// What moves a virtual clock.
    private let pump: Task<Void, Never>?
    private let stores: [NodeName: Store]
    private let engines = Mutex([NodeName: Running]())

    /// Heartbeats every 50 ms, deadtime 500 ms (short, yet long enough for a machine loaded by other tests): one group
    /// `web` of `vip` (exclusive, like a floating address) and `app`, monitored every 100 ms (timeout 1 s), starts and
    /// stops timed out after 2 s, on `nodes` nodes of falling priority, each with two links. With `virtualTime`, the
    /// engines run on a ``VirtualClock``, which jumps over the time they would idle.
    /// With `failureTimeout`, failures of `app` expire after it.
    init(nodes count: Int = 2, failback: String = "manual", virtualTime: Bool = false, failureTimeout: String? = nil)
        throws
    {
        let nodes = (1...count).map { index in
            "  - {name: n\(index), priority: \(100 - index), links: [10.0.1.\(index), 10.0.2.\(index)]}"
        }.joined(separator: "\n")
        let text = """
            version: 1
            cluster: memory
            heartbeat: {interval: 50ms, warntime: 200ms, deadtime: 500ms, initdead: 1s, key-file: key}
            nodes:
            \(nodes)
            groups:
              - name: web
                failback: \(failback)
                resources:
                  - name: vip
                    agent: process
                    params: {command: "true"}
                    timeouts: {start: 2s, stop: 2s}
                    monitor: {interval: 100ms, timeout: 1s}
                  - name: app
                    agent: process
                    params: {command: "true"}
                    timeouts: {start: 2s, stop: 2s}
                    monitor: {interval: 100ms, timeout: 1s}
                    max-restarts: 1
                    restart-window: 10m
            \(failureTimeout.map { "        failure-timeout: \($0)\n" } ?? "")

            """
        configuration = Array(text.utf8)
        let loaded = ConfigLoader.load(configuration, file: "memory.yaml")
        guard let spec = loaded.spec else {
            throw TestFailure(loaded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        self.spec = spec
        if virtualTime {
            let clock = VirtualClock()
            self.clock = clock
            network = Network(now: { clock.now }) { clock.noteActivity() }
            pump = Task { await clock.run() }
        } else {
            let clock = SystemClock()
            self.clock = clock
            network = Network(now: { clock.now }) {}
            pump = nil
        }
        let network = network
        let links: @Sendable (NodeName) -> [IPAddress] = { spec.node(named: $0)!.links.map(\.value) }
        machines = Machines(exclusive: [ResourceName("vip")]) { network.connected(links($0), links($1)) }
        stores = Dictionary(uniqueKeysWithValues: spec.nodes.map { ($0.name, Store()) })
    }

    /// Starts (or starts again) the node's engine, with a new boot identifier and the state its store kept.
    func start(_ name: String) throws {
        let node = NodeName(name)
        let network = network
        var settings = Engine.Settings(
            spec: spec, node: node, stateDirectory: "/nonexistent",
            catalog: AgentCatalog(
                ocfRoot: "/nonexistent", baseDirectory: "/nonexistent", stateDirectory: "/nonexistent"),
            key: Array(repeating: 7, count: 32), configuration: configuration)
        settings.transport = { (addresses: [IPAddress], _: Int) in network.attach(node, addresses) }
        settings.runner = Runner(machines: machines, clock: clock)
        settings.clock = clock
        settings.store = stores[node]!
        settings.heldRetry = .milliseconds(300)
        // Its addresses are on no link of this machine: no echo goes to them.
        settings.echoesPeers = false
        let engine = try Engine(settings, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        let task = Task<Void, Never> { try? await engine.run() }
        engines.withLock { $0[node] = Running(engine: engine, task: task) }
    }

    /// The node's engine dies as with `kill -9`: what its agents started keeps running.
    func kill(_ name: String) async {
        guard let running = engines.withLock({ $0.removeValue(forKey: NodeName(name)) }) else { return }
        running.task.cancel()
        await running.task.value
    }

    /// The machine crashes: its engine dies, what ran there is gone.
    func crash(_ name: String) async {
        await kill(name)
        machines.crash(NodeName(name))
    }

    /// Every link of the node cut (`true`) or joined again.
    func isolate(_ name: String, _ cut: Bool) {
        network.cut(spec.node(named: NodeName(name))!.links.map(\.value), cut)
    }

    /// The node's engine stands still for `duration`, as with `SIGSTOP` and `SIGCONT`; its agents go on.
    func pause(_ name: String, for duration: Duration) async {
        guard let engine = engines.withLock({ $0[NodeName(name)]?.engine }) else { return }
        await engine.pause(until: clock.now + duration)
    }

    /// The node's engine hears nothing (`true`) while it is still heard, or hears again.
    func deafen(_ name: String, _ deaf: Bool) {
        network.deafen(spec.node(named: NodeName(name))!.links.map(\.value), deaf)
    }

    /// One link of the node (0 or 1) cut or joined again.
    func cut(_ name: String, link: Int, _ cut: Bool) {
        network.cut([spec.node(named: NodeName(name))!.links[link].value], cut)
    }

    /// SIGTERM: the engine hands its groups over, or stops them, and ends.
    /// - Returns: the events it kept.
    @discardableResult
    func terminate(_ name: String) async -> [EventRecord] {
        guard let running = engines.withLock({ $0.removeValue(forKey: NodeName(name)) }) else { return [] }
        await running.engine.shutDown()
        await running.task.value
        return await running.engine.status().events
    }

    /// An administrator's request on the node's control socket; the answer is not kept.
    func request(on name: String, _ request: ControlRequest) async {
        guard let engine = engines.withLock({ $0[NodeName(name)]?.engine }) else { return }
        await engine.answer(request) { _ in true }
    }

    /// An administrator's request on the node's control socket, with its answer.
    func answer(on name: String, _ request: ControlRequest) async -> ControlResponse? {
        guard let engine = engines.withLock({ $0[NodeName(name)]?.engine }) else { return nil }
        let answer = Mutex<ControlResponse?>(nil)
        await engine.answer(request) { response in
            answer.withLock { $0 = response }
            return true
        }
        return answer.withLock { $0 }
    }

    /// The node's status, while its engine runs.
    func status(_ name: String) async -> StatusReport? {
        guard let engine = engines.withLock({ $0[NodeName(name)]?.engine }) else { return nil }
        return await engine.status()
    }

    /// Nodes whose engine runs.
    var live: [String] { engines.withLock { $0.keys.map(\.rawValue).sorted() } }

    /// The machines on which any member of `web` runs.
    var holders: [String] {
        machines.running.filter { !$0.value.isEmpty }.keys.map(\.rawValue).sorted()
    }

    /// Polls every 10 ms until `condition` holds, for at most `limit`.
    func waitUntil(_ what: String, limit: Duration = .seconds(10), _ condition: () async -> Bool) async throws {
        let deadline = clock.now + limit
        while clock.now < deadline {
            if await condition() { return }
            try await clock.sleep(for: .milliseconds(10))
        }
        var seen = "running: \(machines.running)"
        for node in live {
            if let status = await status(node) {
                seen +=
                    "\n\(node): \(status.role.rawValue), senior \(status.senior ?? "-"), web "
                    + "\(status.state.state(of: GroupName("web"))), vip \(status.state.state(of: ResourceName("vip"))), "
                    + "app \(status.state.state(of: ResourceName("app")))\n" + Self.lines(status.events)
            }
        }
        throw TestFailure("waited \(limit) for: \(what)\n\(seen)")
    }

    /// Events one per line, for a failure's report.
    static func lines(_ events: [EventRecord]) -> String {
        events.map { "    \($0.time) \($0.event) [\($0.node)] \($0.message)" }.joined(separator: "\n")
    }

    /// Whether the node's status shows the whole group started on `holder`, and the machine runs exactly that.
    func runs(on holder: String, seenBy node: String) async -> Bool {
        guard let status = await status(node) else { return false }
        return ClusterTestsShared.started(status, on: holder)
            && machines.running[NodeName(holder)] == [ResourceName("vip"), ResourceName("app")]
            && holders == [holder]
    }

    /// Waits `duration` on the cluster's clock.
    func sleep(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    /// Stops every engine, and the clock.
    func tearDown() async {
        for node in live { await kill(node) }
        pump?.cancel()
    }
}

/// A test step that did not happen, with what was seen.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
