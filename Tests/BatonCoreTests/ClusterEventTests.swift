import BatonCore
import Testing

/// The typed events: each case's name, severity, subject and words.
@Suite struct ClusterEventTests {
    static let n1 = NodeName("n1")
    static let n2 = NodeName("n2")
    static let app = ResourceName("app")
    static let web = GroupName("web")

    /// (event, name, severity, subject) for the cases whose severity or subject follows a rule.
    static let cases: [(ClusterEvent, String, EventSeverity, NodeName?)] = [
        (
            .linkDown(peer: n2, link: "1 (10.0.1.2)", deadtime: .seconds(1), leaving: true, heardElsewhere: false),
            "link-down", .info, nil
        ),
        (
            .linkDown(peer: n2, link: "1 (10.0.1.2)", deadtime: .seconds(1), leaving: false, heardElsewhere: true),
            "link-down", .warning, nil
        ),
        (
            .linkDown(peer: n2, link: "1 (10.0.1.2)", deadtime: .seconds(1), leaving: false, heardElsewhere: false),
            "link-down", .error, nil
        ),
        (
            .linkLate(peer: n2, link: "2 (10.0.2.2)", warntime: .milliseconds(300), leaving: true), "link-late", .info,
            nil
        ),
        (.roleChanged(n1, from: .main, to: .slaveFailed), "role-changed", .error, nil),
        (.roleChanged(n1, from: .slaveWait, to: .slaveOK), "role-changed", .info, nil),
        (.nodeLost(n2, deadtime: .seconds(1)), "node-lost", .critical, n2),
        (.nodeLeft(n2), "node-left", .info, n2),
        (.nodeJoined(n2), "node-joined", .info, n2),
        (.nodeRestarted(n2), "node-restarted", .warning, n2),
        (.strayStopped(app, of: web, on: n2), "resource-stopped", .warning, n2),
        (.strayStopFailed(app, of: web, on: n2, code: 1), "stray-stop-failed", .critical, n2),
        (.resourceStopped(app, of: web, on: n2), "resource-stopped", .info, n2),
        (.leftRunning(app, of: web, on: n1), "left-running", .critical, n1),
        (.monitorFailed(app, on: n1, code: 7), "monitor-failed", .error, n1),
    ]

    @Test(arguments: cases.indices) func nameSeverityAndSubject(index: Int) {
        let (event, name, severity, subject) = Self.cases[index]
        #expect(event.name.rawValue == name)
        #expect(event.severity == severity)
        #expect(event.subject == subject)
    }

    @Test func wordsAndAdvice() {
        #expect(
            ClusterEvent.seniorChanged(local: Self.n1, senior: Self.n1, term: 3).message
                == "n1 is the senior node (term 3): it plans for the cluster")
        #expect(
            ClusterEvent.seniorChanged(local: Self.n2, senior: Self.n1, term: 3).message
                == "n1 is the senior node (term 3): n2 follows its plans")
        let down = ClusterEvent.linkDown(
            peer: Self.n2, link: "1 (10.0.1.2)", deadtime: .milliseconds(500), leaving: false, heardElsewhere: true)
        #expect(down.message == "link 1 (10.0.1.2) to n2 is down: silent for deadtime 500ms")
        #expect(down.action == "check that link: n2 is still heard on another")
        #expect(
            ClusterEvent.linkDown(
                peer: Self.n2, link: "1", deadtime: .seconds(1), leaving: false, heardElsewhere: false
            ).action == nil, "the node-lost that follows says what to do")
        let failed = ClusterEvent.resourceFailed(
            .start, Self.app, of: Self.web, on: Self.n1, code: 5, detail: "not installed")
        #expect(failed.message == "start of app failed on n1: exit 5: not installed (not installed)")
        #expect(failed.group == Self.web && failed.resource == Self.app)
        #expect(
            ClusterEvent.groupBlocked(Self.app, of: Self.web, on: Self.n1, code: 1, fenced: false).action
                == "stop app on n1 by hand (or power the node off), then run `baton cleanup app`")
        #expect(
            ClusterEvent.takeoverFinished(cause: .nodeLost(Self.n1), waiting: [Self.web]).message
                == "takeover after node n1 lost finished; web wait")
    }

    @Test func everyNameIsOneKebabCaseWord() {
        let names = ClusterEvent.Name.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        #expect(names.allSatisfy { $0.allSatisfy { $0 == "-" || ("a"..."z").contains($0) } })
    }
}
