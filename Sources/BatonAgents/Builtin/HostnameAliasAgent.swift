import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `hostname-alias`: Rose HA's drifting host name, kept as a marked block in a hosts file and optionally in DNS.
///
/// The block is `# baton begin INSTANCE`, `ADDRESS NAME`, `# baton end INSTANCE`; nothing else in the file changes.
/// With `dns_server` (and `dns_key_file`), start and stop also send an RFC 2136 update through `nsupdate`.
struct HostnameAliasAgent {
    let work: BuiltinWork
    let name: String
    let address: String
    let hostsFile: String

    init(_ work: BuiltinWork) {
        self.work = work
        self.name = work.parameter("name", "")
        self.address = work.parameter("address", "")
        self.hostsFile = work.parameter("hosts_file", "/etc/hosts")
    }

    private var begin: String { "# baton begin \(work.request.instance)" }
    private var end: String { "# baton end \(work.request.instance)" }

    func perform() async -> AgentResult {
        switch work.verb {
        case .start:
            return await change(adding: true)
        case .stop:
            return await change(adding: false)
        case .monitor:
            return await monitor()
        }
    }

    /// Start (`adding`) or stop: the hosts file, then DNS when configured.
    private func change(adding: Bool) async -> AgentResult {
        do {
            try await rewrite(adding: adding)
        } catch {
            return .failure(work.request.action, code: 1, error.description)
        }
        return await update(adding: adding)
    }

    /// The hosts file without this resource's block, and with it again when adding. Other resources may edit the
    /// same file at the same time (groups start in parallel): the read and the write happen under its lock.
    private func rewrite(adding: Bool) async throws(AtomicFile.Failure) {
        try await FileLock.withLock(on: hostsFile, timeout: max(.milliseconds(100), work.remaining)) {
            () throws(AtomicFile.Failure) in
            let text = try FileText.readIfPresent(hostsFile)
            let result = edited(text, adding: adding)
            guard result != text else { return }
            try AtomicFile.write(Array(result.utf8), to: hostsFile, keepPermissions: true, inPlaceWhenMounted: true)
        }
    }

    /// `text` without this resource's block, and with it again when adding.
    private func edited(_ text: String, adding: Bool) -> String {
        var lines: [Substring] = []
        var inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == begin { inside = true; continue }
            if line == end { inside = false; continue }
            if !inside { lines.append(line) }
        }
        while lines.last == "" { lines.removeLast() }
        var result = lines.joined(separator: "\n")
        if !result.isEmpty { result += "\n" }
        if adding { result += "\(begin)\n\(address) \(name)\n\(end)\n" }
        return result
    }

    private func monitor() async -> AgentResult {
        let text = FileText.read(hostsFile) ?? ""
        guard text.contains("\(begin)\n\(address) \(name)\n\(end)") else {
            return .failure(work.request.action, code: 7, "\(hostsFile) does not map \(name) to \(address)")
        }
        // The default hosts file is what the resolver reads: ask it too, as a client of this node would.
        if hostsFile == "/etc/hosts", await !blocking({ Self.resolves(name, to: address) }) {
            return .failure(work.request.action, code: 1, "\(name) does not resolve to \(address) on this node")
        }
        return AgentResult(action: work.request.action, code: 0)
    }

    /// Sends the DNS update when a server is configured.
    private func update(adding: Bool) async -> AgentResult {
        guard let server = work.request.parameter("dns_server") else {
            return AgentResult(action: work.request.action, code: 0)
        }
        let ttl = work.duration("dns_ttl", .seconds(60)).components.seconds
        let type = address.contains(":") ? "AAAA" : "A"
        let port = work.request.parameter("dns_port").map { " " + $0 } ?? ""
        var script = "server \(server)\(port)\nupdate delete \(name). \(type)\n"
        if adding { script += "update add \(name). \(ttl) \(type) \(address)\n" }
        script += "send\n"
        var words = ["nsupdate"]
        if let key = work.request.parameter("dns_key_file") { words += ["-k", key] }
        let result = await work.tool(words, input: script)
        return result.succeeded
            ? AgentResult(action: work.request.action, code: 0) : work.failure(1, "nsupdate failed", result)
    }

    /// Whether the system resolver maps `name` to `address`.
    static func resolves(_ name: String, to address: String) -> Bool {
        guard let wanted = try? IPAddress(configText: address) else { return false }
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, nil, &list) == 0 else { return false }
        defer { freeaddrinfo(list) }
        var entry = list
        while let current = entry {
            if let found = numericHost(current.pointee), (try? IPAddress(configText: found)) == wanted { return true }
            entry = current.pointee.ai_next
        }
        return false
    }

    private static func numericHost(_ info: addrinfo) -> String? {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(info.ai_addr, info.ai_addrlen, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
        else {
            return nil
        }
        return String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
