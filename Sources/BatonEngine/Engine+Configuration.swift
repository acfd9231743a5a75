import BatonAgents
import BatonConfig
import BatonControl
import BatonCore
import BatonNet

extension Engine {
    // MARK: A new configuration on a running cluster

    /// `baton config apply FILE` here (or SIGHUP, with this engine's own file): the file is read and checked,
    /// staged, and handed to the senior, which applies it to the cluster. Answered once the senior took it, or with
    /// `wait` once it is applied.
    func applyConfiguration(at path: String, wait: Bool) async -> ActionOutcome {
        let bytes: [UInt8]
        do {
            bytes = try ConfigFile.read(path)
        } catch {
            return ActionOutcome(code: 1, message: "\(error)")
        }
        let digest = ConfigurationIdentity(bytes).digest
        guard digest != identity.digest else {
            return ActionOutcome(code: 0, message: "\(path) is the configuration \(local) runs: nothing to apply")
        }
        if let problem = stage(bytes, digest: digest, named: path) {
            return ActionOutcome(code: 1, message: problem)
        }
        return await route(.applyConfiguration(digest: digest, node: local.rawValue), wait: wait)
    }

    /// SIGHUP: this engine's configuration file is read again and, when it changed, applied to the cluster.
    func reload() async {
        guard let path = configurationPath else { return }
        let outcome = await applyConfiguration(at: path, wait: true)
        if outcome.code != 0 { emit(.configurationRefused(local, reason: outcome.message)) }
    }

    /// Checks a configuration file and stages it, so that peers can fetch it and the controller can take it; or
    /// says why not.
    func stage(_ bytes: [UInt8], digest: String, named name: String) -> String? {
        let loaded = ConfigLoader.load(bytes, file: name)
        guard let new = loaded.spec else {
            let errors = loaded.diagnostics.filter { $0.severity == .error }.map(\.description)
            return (errors + ["\(name) is invalid; 'baton validate' lists every finding"]).joined(separator: "\n")
        }
        let change = ConfigurationChange(from: spec, to: new)
        if let problem = Trigger.reconfiguration(change).problem(in: spec, state: state) { return problem }
        stagedFiles = [digest: bytes]
        handle(.configurationStaged(digest: digest, new))
        return nil
    }

    /// A configuration file that a peer sent, which this node asked for.
    func received(configuration bytes: [UInt8], from peer: NodeName) {
        let digest = ConfigurationIdentity(bytes).digest
        guard digest != identity.digest, stagedFiles[digest] == nil else { return }
        if let problem = stage(bytes, digest: digest, named: "the configuration of \(peer)") {
            handle(.configurationRejected(digest: digest, reason: problem))
        }
    }

    /// The bytes of the configuration file of this digest, when this node runs it or has it staged.
    func configurationFile(_ digest: String) -> [UInt8]? {
        digest == identity.digest ? configuration : stagedFiles[digest]
    }

    /// Takes the staged configuration: writes it over the configuration file (the old one kept beside it as
    /// `FILE.previous`), runs agents, monitors, events and heartbeats with it, then tells the controller.
    func takeConfiguration(_ digest: String, epoch: UInt64) {
        guard let bytes = stagedFiles[digest], let staged = controller.staged, staged.digest == digest else {
            handle(.configurationRejected(digest: digest, reason: "configuration \(digest) is not staged here"))
            return
        }
        if let path = configurationPath {
            do {
                try AtomicFile.write(configuration, to: path + ".previous", keepPermissions: true)
                try AtomicFile.write(bytes, to: path, keepPermissions: true)
            } catch {
                handle(.configurationRejected(digest: digest, reason: "\(error)"))
                return
            }
        }
        let old = spec
        spec = staged.spec
        configuration = bytes
        identity = ConfigurationIdentity(bytes)
        runner = runner.reconfigured(staged.spec)
        events.handler = staged.spec.events
        stagedFiles = [:]
        handle(.configurationTaken(digest: digest, staged.spec, epoch: epoch))
        // A monitor whose settings changed runs again with the new ones; one of a resource that is gone ends.
        for name in monitors.keys.sorted() {
            let before = old.resource(named: name)?.monitor
            guard let now = spec.resource(named: name) else {
                cancelMonitor(name)
                continue
            }
            if let monitor = now.monitor, monitor != before {
                startMonitor(name, every: monitor.effectiveInterval)
            } else if now.monitor == nil {
                cancelMonitor(name)
            }
        }
    }
}
