import BatonCore
import NIOCore
import NIOPosix

/// One UDP packet received on one of this node's links.
public struct Datagram: Sendable {
    /// The bytes, unchecked: a ``PacketVerifier`` decides whether they are a packet.
    public var bytes: [UInt8]
    /// Where it came from.
    public var source: IPAddress?
    /// The number of this node's link it arrived on.
    public var link: Int
}

/// UDP sockets on every link address of this node, all on the cluster's port: one listener per link, and the
/// sender of that link's packets, so that a peer sees which of this node's links a packet came over.
public final class LinkService: Sendable {
    /// Every datagram received on any link, in arrival order per link.
    public let datagrams: AsyncStream<Datagram>
    private let continuation: AsyncStream<Datagram>.Continuation
    private let channels: [any Channel]

    private init(
        channels: [any Channel], datagrams: AsyncStream<Datagram>, continuation: AsyncStream<Datagram>.Continuation
    ) {
        self.channels = channels
        self.datagrams = datagrams
        self.continuation = continuation
    }

    /// Binds a socket to each address, in order: link number `n` is `addresses[n]`.
    /// - Throws: when an address cannot be bound (not on this machine, or the port is taken).
    public static func bind(_ addresses: [IPAddress], port: Int) async throws -> LinkService {
        let (stream, continuation) = AsyncStream.makeStream(of: Datagram.self, bufferingPolicy: .bufferingNewest(4096))
        var channels: [any Channel] = []
        do {
            for (link, address) in addresses.enumerated() {
                let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                Receiver(link: link, continuation: continuation))
                        }
                    }
                    .bind(host: address.description, port: port).get()
                channels.append(channel)
            }
        } catch {
            for channel in channels { try? await channel.close() }
            continuation.finish()
            throw error
        }
        return LinkService(channels: channels, datagrams: stream, continuation: continuation)
    }

    /// Sends `bytes` from this node's link `link` to `address`; a send that fails is dropped, as UDP would.
    public func send(_ bytes: [UInt8], from link: Int, to address: IPAddress, port: Int) {
        guard channels.indices.contains(link),
            let remote = try? SocketAddress(ipAddress: address.description, port: port)
        else { return }
        let channel = channels[link]
        let envelope = AddressedEnvelope(remoteAddress: remote, data: channel.allocator.buffer(bytes: bytes))
        channel.writeAndFlush(envelope, promise: nil)
    }

    /// Closes every socket and ends ``datagrams``.
    public func close() async {
        for channel in channels { try? await channel.close() }
        continuation.finish()
    }
}

/// Hands each received datagram to the service's stream.
private final class Receiver: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let link: Int
    let continuation: AsyncStream<Datagram>.Continuation

    init(link: Int, continuation: AsyncStream<Datagram>.Continuation) {
        self.link = link
        self.continuation = continuation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let source = envelope.remoteAddress.ipAddress.flatMap { try? IPAddress(configText: $0) }
        continuation.yield(Datagram(bytes: Array(envelope.data.readableBytesView), source: source, link: link))
    }

    /// A failed send (no route, a link down) reports an error here; the heartbeat timing already tells.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
