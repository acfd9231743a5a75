import BatonCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// The engine's HTTP endpoint (`http:` in cluster.yaml), on SwiftNIO's HTTP/1 server: Baton already runs on SwiftNIO,
/// and five read-only GET routes need no framework (Hummingbird would add a router and a dozen packages to build on
/// two cores for them). Each request is answered by ``Engine/answerHTTP(path:)``.
enum HTTPEndpoint {
    /// What a route answers.
    struct Answer: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: String
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
    typealias Server = NIOAsyncChannel<Connection, Never>

    /// Listens on `address`:`port`.
    static func bind(address: IPAddress, port: Int) async throws -> Server {
        try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: address.description, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Answers requests until the task is cancelled.
    static func serve(_ server: Server, _ engine: Engine) async {
        await withTaskCancellationHandler {
            try? await server.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask { try? await serve(connection, engine) }
                    }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }

    /// Answers each request of one connection (a client may keep it open), until it closes.
    private static func serve(_ connection: Connection, _ engine: Engine) async throws {
        try await connection.executeThenClose { parts, output in
            var head: HTTPRequestHead?
            for try await part in parts {
                switch part {
                case .head(let request): head = request
                case .body: break
                case .end:
                    guard let request = head else { continue }
                    let answer =
                        request.method == .GET || request.method == .HEAD
                        ? await engine.answerHTTP(path: request.uri)
                        : Answer(status: .methodNotAllowed, contentType: "text/plain", body: "only GET\n")
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: answer.contentType)
                    headers.add(name: "Content-Length", value: "\(answer.body.utf8.count)")
                    headers.add(name: "Cache-Control", value: "no-store")
                    try await output.write(
                        .head(HTTPResponseHead(version: request.version, status: answer.status, headers: headers)))
                    if request.method == .GET {
                        try await output.write(.body(.byteBuffer(ByteBuffer(string: answer.body))))
                    }
                    try await output.write(.end(nil))
                    head = nil
                }
            }
        }
    }
}
