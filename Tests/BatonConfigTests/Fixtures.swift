import BatonConfig
import BatonCore
import Foundation

/// Paths and small configs shared by the loader tests.
enum Fixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let corpus = packageRoot.appendingPathComponent("Tests/BatonConfigTests/Corpus")
    static let examples = packageRoot.appendingPathComponent("examples")

    static func bytes(_ url: URL) throws -> [UInt8] {
        Array(try Data(contentsOf: url))
    }

    static var exampleConfigs: [URL] {
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: examples.path)) ?? []
        return folders.sorted().map { examples.appendingPathComponent($0).appendingPathComponent("cluster.yaml") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// An upper bound on the lines YAML sees in `bytes`: every byte that can be part of a line break counts.
    static func maximumLineCount(_ bytes: [UInt8]) -> Int {
        bytes.count { [0x0A, 0x0D, 0x85, 0xA8, 0xA9].contains($0) } + 1
    }

    /// The smallest valid config: two nodes, one group of one process.
    static let minimal = """
        version: 1
        cluster: c
        nodes:
          - name: n1
            links: [10.0.0.1]
          - name: n2
            links: [10.0.0.2]
        groups:
          - name: g
            resources:
              - name: r
                agent: process
                params: {command: /bin/true}

        """
}
