import Testing

@testable import BatonEngine

/// What makes two nodes' configurations the same to the engine.
@Suite struct ConfigurationIdentityTests {
    static let base = """
        version: 1
        cluster: erp
        heartbeat: {interval: 200ms}
        groups:
          - name: web
            resources:
              - {name: vip, agent: floating-ip}

        """

    @Test func commentsBlankLinesAndTrailingSpacesDoNotCount() {
        let edited =
            "# copied to n2\n"
            + Self.base.replacingOccurrences(of: "cluster: erp", with: "cluster: erp   \n\n")
            .replacingOccurrences(of: "  - name: web", with: "  # the web site\n  - name: web")
        #expect(ConfigurationIdentity(Array(edited.utf8)) == ConfigurationIdentity(Array(Self.base.utf8)))
    }

    @Test func aChangedSectionIsNamed() {
        let base = ConfigurationIdentity(Array(Self.base.utf8))
        let other = ConfigurationIdentity(
            Array(Self.base.replacingOccurrences(of: "floating-ip", with: "hostname-alias").utf8))
        #expect(other.digest != base.digest)
        #expect(other.differences(from: base.sections) == ["groups"])
        let more = ConfigurationIdentity(Array((Self.base + "order: []\n").utf8))
        #expect(more.differences(from: base.sections) == ["order"], "a section on one side only differs")
    }
}
