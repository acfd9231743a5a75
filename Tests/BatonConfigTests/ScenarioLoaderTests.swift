import BatonConfig
import BatonCore
import Testing

@Suite struct ScenarioLoaderTests {
    @Test func everyEventKindLoads() throws {
        let text = """
            events:
              - node-lost: n1
                fail: [start r on n2, {action: stop r on n1, code: 5}]
              - node-joined: n1
                at: 10m
              - standby: n2
              - online: n2
              - resource-failed: r@n2:6
              - resource-failed: r
              - switchover: {group: g, to: n1}
              - stop-group: g
              - start-group: g

            """
        let (scenario, diagnostics) = ScenarioLoader.load(Array(text.utf8), file: "s.yaml")
        #expect(diagnostics == [])
        let events = try #require(scenario).events
        #expect(events.count == 9)
        #expect(events[0].failing == ["start r on n2": 1, "stop r on n1": 5])
        #expect(events[1].time == .seconds(600) && events[1].location.line == 4)
        #expect(events[4].happening == .resourceFailure(try ResourceFailure(configText: "r@n2:6")))
        #expect(events[5].happening == .resourceFailure(try ResourceFailure(configText: "r")))
        let failure = try ResourceFailure(configText: "r@n2:6")
        #expect((failure.resource, failure.node, failure.code) == (ResourceName("r"), NodeName("n2"), 6))
        #expect(events[6].happening == .trigger(.switchover(GroupName("g"), to: NodeName("n1"))))
    }

    @Test(arguments: [
        ("events:\n  - node-lots: n1\n", "2:5 error", "event 1 must name exactly one event"),
        ("events:\n  - node-lots: n1\n", "2:5 error", "unknown key 'node-lots' in event 1; did you mean 'node-lost'?"),
        ("events:\n  - {node-lost: n1, standby: n2}\n", "2:5 error", "event 1 must name exactly one event"),
        ("events:\n  - resource-failed: 'db:x'\n", "2:22 error", "the exit code after ':' is not a number"),
        ("events:\n  - node-lost: n1\n    at: 5\n", "3:9 error", "duration '5' has no unit"),
        ("events: nope\n", "1:9 error", "events must be a list"),
        ("", "1:1 error", "the scenario holds no events"),
        ("events:\n  - switchover: {group: g}\n", "2:17 error", "missing 'to'"),
        (
            "events:\n  - node-lost: n1\n    at: 10s\n  - standby: n2\n  - online: n2\n    at: 5s\n", "6:9 error",
            "'at' of event 3 (5s) is before event 2 (11s)"
        ),
        (
            "events:\n  - node-lost: n1\n    fail: [{action: start r on n2, code: 300}]\n", "3:42 error",
            "exit code 300 of 'start r on n2' is outside 0 to 255"
        ),
    ])
    func brokenScenarios(_ text: String, _ position: String, _ fragment: String) {
        let (scenario, diagnostics) = ScenarioLoader.load(Array(text.utf8), file: "s.yaml")
        #expect(scenario == nil)
        let matching = diagnostics.filter {
            "\($0.location.line):\($0.location.column) \($0.severity.rawValue)" == position
                && "\($0.message); \($0.hint)".contains(fragment)
        }
        #expect(!matching.isEmpty, "\(diagnostics.map(\.description))")
    }

    @Test func unknownNamesAreReportedWhenPlayedAtTheEvent() async throws {
        let config = Fixtures.minimal
        let spec = try #require(ConfigLoader.load(text: config).spec)
        let (scenario, _) = ScenarioLoader.load(
            Array("events:\n  - node-lost: n1\n  - standby: n9\n".utf8), file: "s.yaml")
        await #expect {
            _ = try await Simulator(spec: spec).play(try #require(scenario), from: .steady(spec))
        } throws: { error in
            (error as? ScenarioFailure)?.description == "s.yaml:3:5: error: unknown node 'n9'"
        }
    }

    @Test func everyLineThatCanNeverMatchIsReportedAtOnce() async throws {
        let spec = try #require(ConfigLoader.load(text: Fixtures.minimal).spec)
        let text = """
            events:
              - standby: n9
              - node-lost: n1
                fail: [strat r on n2, stop r on n7]
              - node-joined: n1

            """
        let (scenario, diagnostics) = ScenarioLoader.load(Array(text.utf8), file: "s.yaml")
        #expect(diagnostics == [])
        await #expect {
            _ = try await Simulator(spec: spec).play(try #require(scenario), from: .steady(spec))
        } throws: { error in
            (error as? ScenarioFailure)?.errors.map(\.description) == [
                "s.yaml:2:5: error: unknown node 'n9'",
                "s.yaml:4:12: error: no action of the plans for event 2 is 'strat r on n2'; "
                    + "did you mean 'start r on n2'?",
                "s.yaml:4:27: error: no action of the plans for event 2 is 'stop r on n7'",
            ]
        }
    }
}
