import BatonAgents
import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// What `baton validate` checks on this machine, unless `--no-host-checks`: that the key file is there and would be
/// taken, that the event handler can run, that commands of built-in agents name programs the agents find, and that
/// volumes' file system types are known here. Each finding is a warning (code not-on-host) at the value's position:
/// a configuration is often written on another machine than the ones it runs on.
enum HostChecks {
    static func diagnostics(_ spec: ClusterSpec, resolving resolve: (String) -> String) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let warn = { (location: SourceLocation, message: String, hint: String) in
            diagnostics.append(Diagnostic(.warning, .notOnHost, at: location, message, hint: hint))
        }
        let key = spec.heartbeat.keyFile
        do {
            _ = try KeyFile.read(resolve(key.value))
        } catch let failure as CommandFailure {
            let (message, hint) = Self.split(failure.message)
            warn(key.location, message, hint ?? "baton run refuses to start without a key file it takes")
        } catch {
            warn(key.location, "cannot read the key file \(resolve(key.value)): \(error)", "check the path")
        }
        if let handler = spec.events?.handler, access(resolve(handler.value), X_OK) != 0 {
            warn(
                handler.location, "the event handler \(resolve(handler.value)) is not an executable file here",
                "install it, or `chmod +x` it: the engine runs it for every event")
        }
        for resource in spec.resources {
            guard case .builtin(let agent) = resource.agent.value else { continue }
            for name in ["command", "stop_command", "health"] {
                guard let written = resource.written(name),
                    let program = (try? CommandWords(configText: written.value))?.words.first,
                    ProcessRequest.executable(program) == nil
                else { continue }
                warn(
                    written.valueLocation,
                    "program '\(program)' of resource '\(resource.name)' is not "
                        + (program.contains("/")
                            ? "an executable file here"
                            : "found in the agents' PATH here (\(ProcessRequest.standardPath))"),
                    "install it, or write its absolute path")
            }
            if agent == .volume, let fstype = resource.written("fstype"), !Self.knows(fileSystem: fstype.value) {
                warn(
                    fstype.valueLocation,
                    "file system type '\(fstype.value)' of resource '\(resource.name)' is not known here",
                    "no module, mount helper or entry of /proc/filesystems has it; install its tools, or check "
                        + "the spelling (ext4, xfs, btrfs, nfs)")
            }
        }
        return diagnostics
    }

    /// Whether this machine can mount `type`: the kernel lists it, a module or a mount helper for it exists, or it
    /// is one the volume agent handles itself.
    static func knows(fileSystem type: String) -> Bool {
        guard !type.isEmpty, !type.contains("/") else { return false }
        if ["bind", "tmpfs", "auto"].contains(type) { return true }
        let listed = (FileText.read("/proc/filesystems") ?? "").split(separator: "\n").contains {
            $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).last.map(String.init) == type
        }
        var system = utsname()
        uname(&system)
        let release = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return listed || access("/sbin/mount.\(type)", X_OK) == 0 || access("/usr/sbin/mount.\(type)", X_OK) == 0
            || access("/lib/modules/\(release)/kernel/fs/\(type)", F_OK) == 0
    }

    /// A command failure's text as message and hint (the part after the first "; ").
    private static func split(_ text: String) -> (String, String?) {
        guard let range = text.firstRange(of: "; ") else { return (text, nil) }
        return (String(text[..<range.lowerBound]), String(text[range.upperBound...]))
    }
}
