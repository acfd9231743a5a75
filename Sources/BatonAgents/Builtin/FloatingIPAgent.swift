import BatonCore
import Synchronization

/// `floating-ip`: an IPv4 or IPv6 address added to an interface with iproute2, then announced.
///
/// Start is idempotent: an address already on the interface is announced again. Before adding an IPv4 address it
/// sends ARP probes for `probe_time` and refuses to start when another machine answers for it, unless the start takes
/// over from a node that is gone (fenced, or confirmed down: ``AgentRequest/holderGone``), where nothing can answer;
/// for IPv6 the kernel's own duplicate address detection decides. Once the address is on, it is announced `arp_count`
/// times, `arp_interval` apart, as `IPaddr2` does: the first before the start returns, the others after, until a stop
/// ends them. Monitor checks that the address is on the interface and that the link is up.
struct FloatingIPAgent {
    let work: BuiltinWork
    let address: PrefixedAddress?

    init(_ work: BuiltinWork) {
        self.work = work
        self.address = try? PrefixedAddress(configText: work.parameter("address", ""))
    }

    func perform() async -> AgentResult {
        guard let address else {
            return .failure(work.request.action, code: 6, "parameter 'address' is not an address")
        }
        let entries = await addresses()
        guard let interface = work.request.parameter("interface") ?? Self.interface(for: address.address, in: entries)
        else {
            return .failure(
                work.request.action, code: 6,
                "no interface has a subnet that holds \(address.address); set the parameter 'interface'")
        }
        let present = entries.contains { $0.interface == interface && $0.address == address.address }
        let length =
            address.prefixLength ?? entries.first {
                $0.interface == interface && address.address.isIn($0.address, prefixLength: $0.prefixLength)
            }?.prefixLength ?? address.address.bitCount
        switch work.verb {
        case .start:
            return await start(address.address, length: length, on: interface, present: present)
        case .stop:
            // No announcement may outlive the address: a client would learn this machine again after it let go.
            Announcements.end(address.address, on: interface)
            guard present else { return AgentResult(action: work.request.action, code: 0) }
            let result = await work.tool(["ip", "addr", "del", "\(address.address)/\(length)", "dev", interface])
            return result.succeeded
                ? AgentResult(action: work.request.action, code: 0) : work.failure(1, "ip addr del failed", result)
        case .monitor:
            guard present else {
                return .failure(work.request.action, code: 7, "\(address.address) is not on \(interface)")
            }
            let state = FileText.read("/sys/class/net/\(interface)/operstate")?.trimmingSpaces ?? "missing"
            guard state == "up" || state == "unknown" else {
                return .failure(work.request.action, code: 1, "link \(interface) is \(state)")
            }
            return AgentResult(action: work.request.action, code: 0)
        }
    }

    private func start(_ address: IPAddress, length: Int, on interface: String, present: Bool) async -> AgentResult {
        if !present {
            let window = work.duration("probe_time", .milliseconds(500))
            if case .v4 = address, !work.request.holderGone, window > .zero,
                let owner = await blocking({ Announcer.probe(address, on: interface, window: window) })
            {
                let mac = owner.map(\.hexDigits).joined(separator: ":")
                var refused = AgentResult.failure(
                    work.request.action, code: 1,
                    "\(address) already answers on \(interface), from \(mac): not taking it")
                refused.heldElsewhere = true
                return refused
            }
            var words = ["ip", "addr", "add", "\(address)/\(length)", "dev", interface]
            if case .v4 = address { words += ["brd", "+"] }
            let result = await work.tool(words)
            guard result.succeeded else { return work.failure(1, "ip addr add failed", result) }
            if case .v6 = address,
                let failure = await waitForDuplicateAddressDetection(address, length: length, on: interface)
            {
                return failure
            }
        }
        guard Announcer.announce(address, on: interface) else {
            return .failure(work.request.action, code: 1, "\(address) is on \(interface) but could not be announced")
        }
        let count = Int(work.parameter("arp_count", "5")) ?? 5
        let interval = work.duration("arp_interval", .milliseconds(200))
        Announcements.repeatAnnouncing(address, on: interface, times: count - 1, every: interval)
        return AgentResult(action: work.request.action, code: 0)
    }

    /// Waits while the kernel checks the new IPv6 address; a duplicate is removed again and fails the start.
    private func waitForDuplicateAddressDetection(_ address: IPAddress, length: Int, on interface: String) async
        -> AgentResult?
    {
        while work.remaining > .zero {
            guard let entry = await addresses().first(where: { $0.interface == interface && $0.address == address })
            else {
                return .failure(
                    work.request.action, code: 1,
                    "\(address) vanished from \(interface) during duplicate address detection")
            }
            if entry.flags.contains("dadfailed") {
                _ = await work.tool(["ip", "addr", "del", "\(address)/\(length)", "dev", interface])
                return .failure(
                    work.request.action, code: 1, "\(address) is already in use on the link of \(interface)")
            }
            if !entry.flags.contains("tentative") { return nil }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return .failure(
            work.request.action, code: 1, "duplicate address detection of \(address) did not finish in time")
    }

    struct Entry {
        var interface: String
        var address: IPAddress
        var prefixLength: Int
        var flags: [String]
    }

    /// Every address on every interface, from `ip -o addr show`.
    private func addresses() async -> [Entry] {
        let result = await work.tool(["ip", "-o", "addr", "show"])
        return result.outputText.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard words.count >= 4, let family = words.firstIndex(where: { $0 == "inet" || $0 == "inet6" }),
                family + 1 < words.count
            else { return nil }
            let parts = words[family + 1].split(separator: "/")
            guard parts.count == 2, let address = try? IPAddress(configText: String(parts[0])),
                let length = Int(parts[1])
            else {
                return nil
            }
            let name = words[1].split(separator: "@").first.map(String.init) ?? words[1]
            return Entry(interface: name, address: address, prefixLength: length, flags: Array(words[(family + 2)...]))
        }
    }

    /// The interface whose own subnet holds the address, as IPaddr2's `findif` chooses.
    static func interface(for address: IPAddress, in entries: [Entry]) -> String? {
        entries.filter {
            $0.prefixLength < $0.address.bitCount && address.isIn($0.address, prefixLength: $0.prefixLength)
        }
        .max { $0.prefixLength < $1.prefixLength }?.interface
    }
}

/// The announcements of floating addresses still to repeat, by address and interface, in this process: a start
/// begins them, a stop ends them before it removes the address.
enum Announcements {
    private static let repeating = Mutex<[String: Task<Void, Never>]>([:])

    /// Announces `address` `times` more, `interval` apart, in the background; ends any earlier repetition of it.
    static func repeatAnnouncing(_ address: IPAddress, on interface: String, times: Int, every interval: Duration) {
        let key = "\(address)%\(interface)"
        let task = Task {
            for _ in 0..<times {
                try? await Task.sleep(for: interval)
                // Under the lock, so that once ``end(_:on:)`` returned nothing more is sent.
                let sent = repeating.withLock { _ in
                    guard !Task.isCancelled else { return false }
                    Announcer.announce(address, on: interface)
                    return true
                }
                if !sent { return }
            }
        }
        repeating.withLock { $0.updateValue(task, forKey: key)?.cancel() }
    }

    /// Ends the repetition of `address`'s announcements, if any.
    static func end(_ address: IPAddress, on interface: String) {
        repeating.withLock { $0.removeValue(forKey: "\(address)%\(interface)")?.cancel() }
    }
}
