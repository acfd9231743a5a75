import BatonControl
import BatonCore
import Logging
import ServiceLifecycle
import UnixSignals

/// `baton run`: the engine and its control socket in one service group, which ends on SIGTERM or SIGINT once this
/// node's groups are handed over.
public enum EngineService {
    /// Runs the engine until a signal asks it to stop and it has handed its groups over.
    public static func run(_ engine: Engine, socket: String, logger: Logger) async throws {
        let group = ServiceGroup(
            configuration: .init(
                // Graceful shutdown goes from the last service to the first: the engine hands its groups over while
                // the control socket still answers.
                services: [
                    .init(service: ControlRunner(engine: engine, path: socket)),
                    .init(service: HangupRunner(engine: engine)),
                    .init(service: EngineRunner(engine: engine), successTerminationBehavior: .gracefullyShutdownGroup),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
    }
}

private struct EngineRunner: Service {
    let engine: Engine

    func run() async throws {
        try await withGracefulShutdownHandler {
            try await engine.run()
        } onGracefulShutdown: {
            engine.requestShutdown()
        }
    }
}

/// SIGHUP: the engine reads its configuration file again and applies it to the cluster when it changed.
private struct HangupRunner: Service {
    let engine: Engine

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            for await _ in await UnixSignalsSequence(trapping: .sighup) {
                await engine.reload()
            }
        }
    }
}

private struct ControlRunner: Service {
    let engine: Engine
    let path: String

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await ControlSocket.serve(path: path) { request, reply in
                    await engine.answer(request, reply: reply)
                }
            }
        } catch is CancellationError {
            // The engine has stopped: so does the socket.
        }
    }
}
