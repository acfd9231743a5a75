import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `volume`: a block device, a bind source or tmpfs mounted on a directory.
///
/// Start checks the file system first when asked (`fsck`), creates the mount point, and mounts. Stop unmounts; when
/// the mount is busy it signals the processes holding it (SIGTERM, then SIGKILL, through `fuser`) and tries again
/// until the timeout. Monitor looks for the mount in the mount table and, with `probe_file`, writes, reads and removes
/// a small file on it.
struct VolumeAgent {
    let work: BuiltinWork
    let device: String
    let directory: String

    init(_ work: BuiltinWork) {
        self.work = work
        self.device = work.parameter("device", "")
        self.directory = MountTable.normalize(work.parameter("directory", "/"))
    }

    func perform() async -> AgentResult {
        switch work.verb {
        case .start: await start()
        case .stop: await stop()
        case .monitor(let probe, let depth):
            monitor(writeProbe: !probe && (work.flag("probe_file", false) || depth >= 20))
        }
    }

    private var isTmpfs: Bool { device == "tmpfs" }

    private var isBind: Bool {
        var info = stat()
        return stat(device, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    private func start() async -> AgentResult {
        if let mounted = MountTable.current().mount(on: directory) {
            if isOurs(mounted) { return AgentResult(action: work.request.action, code: 0) }
            return .failure(
                work.request.action, code: 1,
                "\(directory) already has \(mounted.source) (\(mounted.fstype)) mounted; unmount it first")
        }
        guard isTmpfs || access(device, F_OK) == 0 else {
            return .failure(work.request.action, code: 5, "device \(device) does not exist on this node")
        }
        guard FileText.makeDirectory(directory) else {
            return .failure(work.request.action, code: 1, "cannot create mount point \(directory)")
        }
        if work.flag("fsck", false), !isTmpfs, !isBind {
            var words = ["fsck", "-a"]
            if let fstype = work.request.parameter("fstype") { words += ["-t", fstype] }
            let check = await work.tool(words + [device])
            // fsck: 0 clean, 1 errors corrected; anything else needs a person.
            guard check.termination == .exited(0) || check.termination == .exited(1), !check.timedOut else {
                return work.failure(1, "fsck of \(device) found errors it could not correct", check)
            }
        }
        var words = ["mount"]
        if isTmpfs {
            words += ["-t", "tmpfs"]
        } else if isBind {
            words += ["--bind"]
        } else if let fstype = work.request.parameter("fstype") {
            words += ["-t", fstype]
        }
        if let options = work.request.parameter("options") { words += ["-o", options] }
        let mount = await work.tool(words + [device, directory])
        guard mount.succeeded else { return work.failure(1, "mount \(device) on \(directory) failed", mount) }
        return AgentResult(action: work.request.action, code: 0)
    }

    private func stop() async -> AgentResult {
        var signal = "TERM"
        var attempts = 0
        while MountTable.current().mount(on: directory) != nil {
            attempts += 1
            let unmount = await work.tool(["umount", directory])
            if unmount.succeeded { continue }
            guard work.flag("kill_holders", true), work.remaining > .zero else {
                return work.failure(1, "umount \(directory) failed after \(attempts) attempts", unmount)
            }
            // Busy: the processes with files open there go, gently first.
            _ = await work.tool(["fuser", "-k", "-\(signal)", "-m", directory])
            try? await Task.sleep(for: .milliseconds(attempts < 3 ? 500 : 1000))
            if attempts >= 2 { signal = "KILL" }
        }
        return AgentResult(action: work.request.action, code: 0)
    }

    private func monitor(writeProbe: Bool) -> AgentResult {
        guard let mounted = MountTable.current().mount(on: directory) else {
            return .failure(work.request.action, code: 7, "\(directory) is not mounted")
        }
        guard isOurs(mounted) else {
            return .failure(work.request.action, code: 1, "\(directory) has \(mounted.source) mounted, not \(device)")
        }
        if writeProbe {
            let probe = directory + "/.baton-probe-" + work.request.instance
            let text = "baton probe \(ContinuousClock.now)\n"
            let ok = (try? AtomicFile.write(Array(text.utf8), to: probe)) != nil && FileText.read(probe) == text
            unlink(probe)
            guard ok else {
                return .failure(work.request.action, code: 1, "cannot write and read back a file on \(directory)")
            }
        }
        return AgentResult(action: work.request.action, code: 0)
    }

    /// Whether a mount on the directory is this resource's: same device (by device number), tmpfs, or a bind.
    private func isOurs(_ mount: MountTable.Mount) -> Bool {
        if isTmpfs { return mount.fstype == "tmpfs" }
        if isBind { return true }
        var wanted = stat()
        var found = stat()
        if stat(device, &wanted) == 0, stat(mount.source, &found) == 0 { return wanted.st_rdev == found.st_rdev }
        return mount.source == device
    }
}
