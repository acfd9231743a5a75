import BatonCore
import Testing

@Suite struct ValueParsingTests {
    @Test(arguments: [
        ("200ms", Duration.milliseconds(200)), ("1s", .seconds(1)), ("10m", .seconds(600)), ("2h", .seconds(7200)),
        ("0s", .zero), ("1500ms", .milliseconds(1500)),
    ])
    func durations(_ text: String, _ expected: Duration) throws {
        #expect(try Duration(configText: text) == expected)
    }

    @Test(arguments: ["5", "", "s", "5sec", "1.5s", "-1s", "5 s", "1d", "9999999999999s", "ms10"])
    func rejectedDurations(_ text: String) {
        #expect(throws: ValueError.self) { try Duration(configText: text) }
    }

    @Test(arguments: [
        (Duration.milliseconds(200), "200ms"), (.seconds(90), "90s"), (.seconds(120), "2m"), (.seconds(3600), "1h"),
        (.milliseconds(1500), "1500ms"), (.zero, "0ms"),
    ])
    func durationText(_ duration: Duration, _ text: String) {
        #expect(duration.configText == text)
    }

    @Test(arguments: [
        ("10.0.0.1", "10.0.0.1"), ("255.255.255.255", "255.255.255.255"), ("::1", "::1"), ("0:0:0:0:0:0:0:1", "::1"),
        ("fd00:0:0:0:0:0:0:10", "fd00::10"), ("2001:db8::1:0:0:1", "2001:db8::1:0:0:1"), ("::", "::"),
        ("::ffff:192.168.1.1", "::ffff:c0a8:101"), ("FE80::ABCD", "fe80::abcd"), ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ])
    func addresses(_ text: String, _ canonical: String) throws {
        #expect(try IPAddress(configText: text).description == canonical)
    }

    @Test(arguments: [
        "10.0.0.256", "10.0.0", "10.0.0.1.2", "010.0.0.1", "10..0.1", "", "fd00:::1", "1:2:3:4:5:6:7:8:9", "1::2::3",
        "12345::1", "g::1", "fe80::1%eth0", "10.0.0.1/24", " 10.0.0.1", "1:2:3:4:5:6:7::8",
    ])
    func rejectedAddresses(_ text: String) {
        #expect(throws: ValueError.self) { try IPAddress(configText: text) }
    }

    @Test func equalAddressesCompareEqual() throws {
        #expect(try IPAddress(configText: "fd00::1") == IPAddress(configText: "FD00:0::0001"))
        #expect(try IPAddress(configText: "10.0.0.1") < IPAddress(configText: "10.0.0.2"))
        #expect(try IPAddress(configText: "255.0.0.0") < IPAddress(configText: "::"))
    }

    @Test func prefixedAddresses() throws {
        let address = try PrefixedAddress(configText: "192.168.1.10/24")
        #expect(address.prefixLength == 24 && address.description == "192.168.1.10/24")
        #expect(try PrefixedAddress(configText: "fd00::10/64").prefixLength == 64)
        #expect(try PrefixedAddress(configText: "10.0.0.1").prefixLength == nil)
        for bad in ["10.0.0.1/33", "fd00::1/129", "10.0.0.1/", "10.0.0.1/x", "10.0.0.1/024"] {
            #expect(throws: ValueError.self, "\(bad)") { try PrefixedAddress(configText: bad) }
        }
    }

    @Test(arguments: ["n1", "erp-db", "a", "node_2.example", String(repeating: "x", count: 63)])
    func validNames(_ name: String) {
        #expect(NodeName.syntaxError(in: name) == nil)
    }

    @Test(arguments: ["", "-a", ".a", "_a", "a b", "a/b", "ä", "a:b", String(repeating: "x", count: 64)])
    func invalidNames(_ name: String) {
        #expect(GroupName.syntaxError(in: name)?.code == .badName)
    }

    @Test(arguments: [
        ("floating-ip", AgentReference.builtin(.floatingIP)),
        ("ocf:heartbeat:IPaddr2", .ocf(provider: "heartbeat", type: "IPaddr2")),
        ("lsb:nginx", .lsb("nginx")), ("systemd:postgresql@15-main.service", .systemd("postgresql@15-main.service")),
        ("agents/dummy", .script(path: "agents/dummy")),
        ("/usr/local/lib/agent", .script(path: "/usr/local/lib/agent")),
        ("./odd:name", .script(path: "./odd:name")),
    ])
    func agentReferences(_ text: String, _ expected: AgentReference) throws {
        let reference = try AgentReference(configText: text)
        #expect(reference == expected)
        #expect(reference.description == text)
    }

    @Test(arguments: [
        ("ocf:heartbeat", "not an OCF agent reference"), ("ocf::IPaddr2", "not an OCF agent reference"),
        ("ocf:a:b:c", "not an OCF agent reference"), ("lsb:", "not an LSB agent reference"),
        ("systemd:a b", "not a systemd agent reference"), ("stonith:x", "unknown agent class 'stonith'"),
        ("floating_ip", "unknown agent 'floating_ip'"), ("pgsql", "unknown agent 'pgsql'"),
        ("agents/", "not a script path"),
    ])
    func rejectedAgentReferences(_ text: String, _ fragment: String) {
        #expect {
            try AgentReference(configText: text)
        } throws: { error in
            (error as? ValueError)?.message.contains(fragment) == true
        }
    }

    @Test(arguments: [
        ("adress", ["address", "interface"], "address"), ("agnet", ["agent", "name"], "agent"),
        ("Nodes", ["nodes"], "nodes"),
        ("grups", ["groups", "nodes"], "groups"), ("xyz", ["address", "name"], nil), ("nme", ["name"], "name"),
        ("tim", ["timeouts"], nil),
    ])
    func suggestions(_ word: String, _ candidates: [String], _ expected: String?) {
        #expect(Spelling.suggestion(for: word, among: candidates) == expected)
    }
}
