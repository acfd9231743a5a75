import ArgumentParser
import BatonConfig
import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Shell completion of the names a configuration defines: `baton switch <TAB>` offers its groups, `--to <TAB>` its
/// nodes. The shell runs `baton` to ask; the configuration is the one `-c` names on the line being completed, else
/// the default (`./cluster.yaml`, then `/etc/baton/cluster.yaml`). A file that cannot be read offers nothing.
enum NameCompletion {
    static let nodes = CompletionKind.custom { words, _, prefix in
        names(words, prefix) { $0.nodes.map(\.name.rawValue) }
    }
    static let groups = CompletionKind.custom { words, _, prefix in
        names(words, prefix) { $0.groups.map(\.name.rawValue) }
    }
    static let resources = CompletionKind.custom { words, _, prefix in
        names(words, prefix) { $0.resources.map(\.name.rawValue) }
    }

    /// The names `list` gives of the configuration that `words` name, which start with `prefix`.
    static func names(_ words: [String], _ prefix: String, _ list: (ClusterSpec) -> [String]) -> [String] {
        let path = configuration(in: words)
        guard let bytes = try? ConfigFile.read(path), let spec = ConfigLoader.load(bytes, file: path).spec else {
            return []
        }
        return list(spec).filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// The file `-c FILE`, `--config FILE` or `--config=FILE` names in `words`, else the default.
    static func configuration(in words: [String]) -> String {
        for (index, word) in words.enumerated() {
            if (word == "-c" || word == "--config"), index + 1 < words.count { return words[index + 1] }
            if word.hasPrefix("--config=") { return String(word.dropFirst("--config=".count)) }
        }
        return ConfigOptions.defaultPaths.first { access($0, F_OK) == 0 } ?? ConfigOptions.defaultPaths[0]
    }
}
