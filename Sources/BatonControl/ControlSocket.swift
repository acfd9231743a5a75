#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif
import NIOCore
import NIOPosix

/// The engine's control socket: a Unix domain socket, mode 0660. A client sends one JSON request on one line; the
/// engine answers with JSON lines and closes the connection (`events` with `follow` keeps it open).
public enum ControlSocket {
    /// The longest request line taken.
    public static let maximumLine = 65_536

    /// Serves `path` until the task is cancelled; `handler` answers each request by calling `reply` once per line
    /// (`reply` returns `false` when the client went away).
    public static func serve(
        path: String,
        handler: @escaping @Sendable (ControlRequest, _ reply: @Sendable (ControlResponse) async -> Bool) async -> Void
    ) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        guard chmod(path, 0o660) == 0 else {
            try? await server.channel.close()
            throw ControlError("cannot set the mode of \(path): \(String(cString: strerror(errno)))")
        }
        try await withTaskCancellationHandler {
            try await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask {
                            // One request per connection: the answer ends when the engine closes it.
                            try? await connection.executeThenClose { lines, output in
                                var iterator = lines.makeAsyncIterator()
                                guard let line = try await iterator.next() else { return }
                                guard
                                    let request = try? JSONDecoder().decode(
                                        ControlRequest.self, from: Data(line.readableBytesView))
                                else {
                                    _ = await write(
                                        ControlResponse(ok: false, error: "not a control request"), to: output)
                                    return
                                }
                                await handler(request) { await write($0, to: output) }
                            }
                        }
                    }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }

    private static func write(_ response: ControlResponse, to output: NIOAsyncChannelOutboundWriter<ByteBuffer>) async
        -> Bool
    {
        guard var bytes = try? JSONEncoder.control.encode(response) else { return false }
        bytes.append(0x0A)
        do {
            try await output.write(ByteBuffer(bytes: bytes))
            return true
        } catch {
            return false
        }
    }

    /// Sends `request` to the engine at `path` and hands each answer line to `receive` until the engine closes the
    /// connection or `receive` returns `false`.
    public static func send(
        _ request: ControlRequest, to path: String, receive: (ControlResponse) throws -> Bool
    ) async throws {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: path) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                        return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ControlError(unreachable: path, error)
        }
        do {
            try await channel.executeThenClose { lines, output in
                var bytes = try JSONEncoder.control.encode(request)
                bytes.append(0x0A)
                try await output.write(ByteBuffer(bytes: bytes))
                for try await line in lines {
                    guard
                        let response = try? JSONDecoder().decode(
                            ControlResponse.self, from: Data(line.readableBytesView))
                    else {
                        throw ControlError(
                            "the engine at \(path) answered with a line that is not a control response; "
                                + "do `baton` and `baton run` have the same version?")
                    }
                    guard try receive(response) else { return }
                }
            }
        } catch let error as ControlError {
            throw error
        } catch let error as IOError {
            throw ControlError("the connection to the engine at \(path) broke: \(systemReason(error))")
        } catch is ChannelError {
            throw ControlError("the connection to the engine at \(path) broke: the engine closed it")
        }
    }
}

/// Why a socket operation failed, in the system's words (`Address already in use`), without the socket library's
/// call names and numbers; other errors as they describe themselves.
public func systemReason(_ error: any Error) -> String {
    if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
    return "\(error)"
}

/// A control socket problem, in words.
public struct ControlError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }

    /// A connection to the engine at `path` that could not be made, said without the socket library's words: what
    /// was tried, why it failed, and what to do.
    init(unreachable path: String, _ error: any Error) {
        let code = (error as? IOError)?.errnoCode
        switch code {
        case ENOENT?:
            description =
                "no engine answers at \(path): there is no such socket; is `baton run` started on this node "
                + "(with this --state-dir or --socket)?"
        case ECONNREFUSED?:
            description =
                "no engine answers at \(path): the socket is there but nothing listens (an engine that was "
                + "killed leaves it); start `baton run`"
        case EACCES?, EPERM?:
            description =
                "may not connect to the engine at \(path): permission denied; run as root or as a member of "
                + "the socket's group"
        case _ where error is SocketAddressError:
            description =
                "cannot connect to the engine at \(path): the path is too long for a socket (at most 107 "
                + "bytes); give a shorter --socket"
        case let code?:
            description = "cannot connect to the engine at \(path): \(String(cString: strerror(code)))"
        case nil:
            description = "cannot connect to the engine at \(path)"
        }
    }
}

extension JSONEncoder {
    /// Sorted keys, so the same answer gives the same bytes.
    static var control: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}

/// Cuts the byte stream into lines (without their line feed), refusing lines longer than the limit.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let end = buffer.readableBytesView.firstIndex(of: 0x0A) else {
            if buffer.readableBytes > ControlSocket.maximumLine { throw ControlError("line too long") }
            return .needMoreData
        }
        let line = buffer.readSlice(length: end - buffer.readerIndex)!
        buffer.moveReaderIndex(forwardBy: 1)
        context.fireChannelRead(wrapInboundOut(line))
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}
