import BatonCore
import NIOCore
import NIOPosix
import Synchronization

/// One UDP packet received on one of this node's links.
public struct Datagram: Sendable {
    /// The bytes, unchecked: a ``PacketVerifier`` decides whether they are a packet.
    public var bytes: [UInt8]
    /// Where it came from.
    public var source: IPAddress?
    /// The number of this node's link it arrived on.
    public var link: Int

    /// Creates a datagram, as a transport received it.
    public init(bytes: [UInt8], source: IPAddress?, link: Int) {
        self.bytes = bytes
        self.source = source
        self.link = link
    }
}

/// How one node's engine sends and receives packets on its links: UDP sockets (``LinkService``) on a real node, an
/// in-memory network in tests. Serial lines and a shared disk area are further transports of the same shape.
public protocol LinkTransport: Sendable {
    /// Every datagram received on any link.
    var datagrams: AsyncStream<Datagram> { get }
    /// Sends `bytes` from this node's link `link` to `address`; a send that fails is dropped.
    func send(_ bytes: [UInt8], from link: Int, to address: IPAddress, port: Int)
    /// Makes each link whose endpoint was lost usable again when it can; returns the links it restored.
    @discardableResult func rebind() async -> [Int]
    /// Closes every link and ends ``datagrams``.
    func close() async
}

/// UDP sockets on every link address of this node, all on the cluster's port: one listener per link, and the
/// sender of that link's packets, so that a peer sees which of this node's links a packet came over.
///
/// A socket does not outlive its link's failure: a send on a link whose network is unreachable (its interface set
/// down, its address removed) closes it. ``rebind()`` binds such a link again once its address is usable, so a link
/// that flaps comes back.
public final class LinkService: LinkTransport {
    /// Every datagram received on any link, in arrival order per link.
    public let datagrams: AsyncStream<Datagram>
    private let continuation: AsyncStream<Datagram>.Continuation
    private let addresses: [IPAddress]
    private let port: Int
    /// Each link's socket, `nil` while it is closed.
    private let channels: Mutex<[(any Channel)?]>

    private init(addresses: [IPAddress], port: Int, channels: [any Channel]) {
        (datagrams, continuation) = AsyncStream.makeStream(of: Datagram.self, bufferingPolicy: .bufferingNewest(4096))
        self.addresses = addresses
        self.port = port
        self.channels = Mutex(channels)
    }

    /// Binds a socket to each address, in order: link number `n` is `addresses[n]`.
    /// - Throws: when an address cannot be bound (not on this machine, or the port is taken).
    public static func bind(_ addresses: [IPAddress], port: Int) async throws -> LinkService {
        let service = LinkService(addresses: addresses, port: port, channels: [])
        var channels: [any Channel] = []
        do {
            for link in addresses.indices { channels.append(try await service.open(link)) }
        } catch {
            for channel in channels { try? await channel.close() }
            service.continuation.finish()
            throw error
        }
        service.channels.withLock { $0 = channels }
        return service
    }

    private func open(_ link: Int) async throws -> any Channel {
        let continuation = continuation
        return try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Receiver(link: link, continuation: continuation))
                }
            }
            .bind(host: addresses[link].description, port: port).get()
    }

    /// Binds again each link whose socket has closed; a link whose address is not usable yet stays closed until a
    /// later call.
    /// - Returns: the numbers of the links bound again.
    @discardableResult
    public func rebind() async -> [Int] {
        let closed = channels.withLock { channels in
            channels.indices.filter { channels[$0]?.isActive != true }
        }
        var rebound: [Int] = []
        for link in closed {
            guard let channel = try? await open(link) else { continue }
            channels.withLock { $0[link] = channel }
            rebound.append(link)
        }
        return rebound
    }

    /// Sends `bytes` from this node's link `link` to `address`; a send that fails is dropped, as UDP would.
    public func send(_ bytes: [UInt8], from link: Int, to address: IPAddress, port: Int) {
        guard let channel = channels.withLock({ $0.indices.contains(link) ? $0[link] : nil }), channel.isActive,
            let remote = try? SocketAddress(ipAddress: address.description, port: port)
        else { return }
        let envelope = AddressedEnvelope(remoteAddress: remote, data: channel.allocator.buffer(bytes: bytes))
        channel.writeAndFlush(envelope, promise: nil)
    }

    /// Closes every socket and ends ``datagrams``.
    public func close() async {
        // No links left: a later rebind() binds nothing.
        let open = channels.withLock { channels in
            defer { channels = [] }
            return channels.compactMap { $0 }
        }
        for channel in open { try? await channel.close() }
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
