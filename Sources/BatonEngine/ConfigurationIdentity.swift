import BatonNet

/// What identifies a node's configuration to its peers: a digest of each top-level section of `cluster.yaml`
/// (`heartbeat`, `nodes`, `groups`, …) and one digest of them all, carried by every heartbeat.
///
/// Comments, blank lines and trailing spaces do not count, so a file copied with other comments still matches; any
/// other change of a section, even one of layout only, makes the section differ. Peers whose digests differ never
/// plan together, and the sections that differ are named.
struct ConfigurationIdentity: Hashable, Sendable {
    /// The digest of every section.
    var digest: String
    /// Each top-level key's digest.
    var sections: [String: String]

    /// The identity of the configuration file's bytes.
    init(_ bytes: [UInt8]) {
        var sections: [(name: String, text: [UInt8])] = []
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            var line = Array(line)
            while let last = line.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") || last == 13 {
                line.removeLast()
            }
            guard let first = line.first(where: { $0 != UInt8(ascii: " ") }), first != UInt8(ascii: "#") else {
                continue
            }
            // A top-level key starts a section: `name:` at the first column.
            if line[0] != UInt8(ascii: " "), line[0] != UInt8(ascii: "-"),
                let colon = line.firstIndex(of: UInt8(ascii: ":"))
            {
                sections.append((String(decoding: line[..<colon], as: UTF8.self), []))
            }
            if sections.isEmpty { sections.append(("", [])) }
            sections[sections.count - 1].text += line + [UInt8(ascii: "\n")]
        }
        self.sections = Dictionary(sections.map { ($0.name, WireCoding.digest($0.text)) }) { first, _ in first }
        digest = WireCoding.digest(
            Array(self.sections.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)\n" }.joined().utf8))
    }

    /// The names of the sections that differ from `other`'s (present in one only, or with another digest), sorted.
    func differences(from other: [String: String]) -> [String] {
        Set(sections.keys).union(other.keys).filter { sections[$0] != other[$0] }.sorted()
    }
}
