import BatonCore
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// ICMP echoes to a set of targets (the tiebreaker's, or the peers' link addresses): ``ping(_:)`` sends one to each
/// target asked, a thread of its own reads the answers, and ``answers`` counts those that came from a target, in all
/// and by target.
///
/// A raw socket where the engine may open one (root, or `CAP_NET_RAW`), else a datagram ICMP socket (allowed by
/// `net.ipv4.ping_group_range`). Only echo replies from a target with this pinger's identifier count.
public final class EchoPinger: Sendable {
    private struct Family: Sendable {
        let socket: Int32
        /// A datagram socket: the kernel writes the identifier and reads past the IP header.
        let datagram: Bool
        let targets: [IPAddress]
        let request: UInt8
        let reply: UInt8
    }

    private let families: [Family]
    private let identifier: UInt16
    private let sequence = Mutex<UInt16>(0)
    private let counted = Mutex<[IPAddress: UInt64]>([:])
    private let closed = Mutex(false)

    /// Opens a socket for each address family of `targets`.
    /// - Throws: ``PingerError`` when the system refuses every kind of ICMP socket of a family.
    public init(targets: [IPAddress]) throws(PingerError) {
        identifier = UInt16.random(in: 1...UInt16.max)
        var families: [Family] = []
        for (domain, proto, request, reply, v6) in [
            (AF_INET, Int32(IPPROTO_ICMP), UInt8(8), UInt8(0), false),
            (AF_INET6, Int32(IPPROTO_ICMPV6), UInt8(128), UInt8(129), true),
        ] {
            let wanted = targets.filter { if case .v6 = $0 { v6 } else { !v6 } }
            guard !wanted.isEmpty else { continue }
            var datagram = false
            var descriptor = socket(domain, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
            if descriptor < 0 {
                datagram = true
                descriptor = socket(domain, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), proto)
            }
            guard descriptor >= 0 else {
                for family in families { Glibc.close(family.socket) }
                throw PingerError(
                    "cannot open an ICMP socket to ping \(wanted.map(\.description).joined(separator: ", ")): "
                        + String(cString: strerror(errno)) + " (the engine pings as root, or with CAP_NET_RAW)")
            }
            // Reads wake up now and then, so that the thread sees ``close()``.
            var wait = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
            families.append(
                Family(socket: descriptor, datagram: datagram, targets: wanted, request: request, reply: reply))
        }
        self.families = families
        for family in families {
            let thread = DispatchQueue(label: "baton.echo.\(family.socket)")
            thread.async { [self] in read(family) }
        }
    }

    /// How many echo replies from a target arrived so far.
    public var answers: UInt64 { counted.withLock { $0.values.reduce(0, +) } }

    /// How many echo replies from any of `targets` arrived so far.
    public func answers(from targets: [IPAddress]) -> UInt64 {
        counted.withLock { counts in targets.reduce(0) { $0 + (counts[$1] ?? 0) } }
    }

    /// Sends one echo request to each of `targets` that is one of this pinger's (every target when `nil`); a send
    /// that fails (no route: a link is down) is an echo unanswered.
    public func ping(_ only: [IPAddress]? = nil) {
        let number = sequence.withLock { value in
            value &+= 1
            return value
        }
        for family in families {
            for target in family.targets where only?.contains(target) ?? true {
                var packet: [UInt8] = [family.request, 0, 0, 0]
                packet += [UInt8(identifier >> 8), UInt8(identifier & 0xff), UInt8(number >> 8), UInt8(number & 0xff)]
                packet += Array("baton".utf8)
                // The kernel sums ICMPv6 itself; ICMP's sum is the sender's.
                if family.request == 8 {
                    let sum = Self.checksum(packet)
                    packet[2] = UInt8(sum >> 8)
                    packet[3] = UInt8(sum & 0xff)
                }
                Self.withAddress(target) { address, length in
                    _ = sendto(family.socket, packet, packet.count, Int32(MSG_DONTWAIT), address, length)
                }
            }
        }
    }

    /// Ends the reading threads and closes the sockets.
    public func close() {
        closed.withLock { $0 = true }
    }

    private func read(_ family: Family) {
        var buffer = [UInt8](repeating: 0, count: 1500)
        let targets = Set(family.targets)
        while !closed.withLock({ $0 }) {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = withUnsafeMutablePointer(to: &storage) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(family.socket, &buffer, buffer.count, 0, $0, &length)
                }
            }
            guard count > 0, let sender = Self.address(of: storage), targets.contains(sender) else { continue }
            // A raw IPv4 socket reads the IP header first; the others start at the ICMP header.
            var start = 0
            if !family.datagram, family.request == 8 { start = Int(buffer[0] & 0x0f) * 4 }
            guard count >= start + 8, buffer[start] == family.reply else { continue }
            let echoed = UInt16(buffer[start + 4]) << 8 | UInt16(buffer[start + 5])
            guard family.datagram || echoed == identifier else { continue }
            counted.withLock { $0[sender, default: 0] += 1 }
        }
        Glibc.close(family.socket)
    }

    /// The Internet checksum (RFC 1071) of `bytes`.
    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func withAddress(_ address: IPAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Void) {
        switch address {
        case .v4(let value):
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_addr.s_addr = value.bigEndian
            withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let groups):
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { bytes in
                for (index, group) in groups.prefix(8).enumerated() {
                    bytes[index * 2] = UInt8(group >> 8)
                    bytes[index * 2 + 1] = UInt8(group & 0xff)
                }
            }
            withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    body($0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
    }

    private static func address(of storage: sockaddr_storage) -> IPAddress? {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    .v4(UInt32(bigEndian: $0.pointee.sin_addr.s_addr))
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { bytes in
                        .v6((0..<8).map { UInt16(bytes[$0 * 2]) << 8 | UInt16(bytes[$0 * 2 + 1]) })
                    }
                }
            }
        default:
            return nil
        }
    }
}

/// Why the tiebreaker cannot be pinged.
public struct PingerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
