import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// Tells a link about an address: ARP probes and gratuitous ARP for IPv4, unsolicited neighbour advertisements for
/// IPv6. Raw sockets, so it needs CAP_NET_RAW, as adding an address needs CAP_NET_ADMIN.
enum Announcer {
    /// The interface's hardware address, from sysfs.
    static func hardwareAddress(of interface: String) -> [UInt8]? {
        guard let text = FileText.read("/sys/class/net/\(interface)/address") else { return nil }
        let bytes = text.trimmingSpaces.split(separator: ":").compactMap { UInt8($0, radix: 16) }
        return bytes.count == 6 ? bytes : nil
    }

    /// RFC 5227 duplicate address detection: sends ARP probes for `address` and listens for any ARP packet whose
    /// sender is that address.
    /// - Returns: the hardware address that answered, or `nil` when nobody did within `window`.
    static func probe(_ address: IPAddress, on interface: String, window: Duration) -> [UInt8]? {
        guard case .v4 = address, let mac = hardwareAddress(of: interface) else { return nil }
        let index = if_nametoindex(interface)
        guard index != 0 else { return nil }
        let descriptor = socket(
            AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(UInt16(0x0806).bigEndian))
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let link = Self.link(index)
        _ = link.withUnsafeBytes {
            bind(descriptor, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t($0.count))
        }
        let probe = arpFrame(operation: 1, senderMAC: mac, senderIP: [0, 0, 0, 0], targetIP: address.bytes)
        let deadline = ContinuousClock.now + window
        var sent = 0
        while ContinuousClock.now < deadline {
            if sent < 2 {
                send(probe, on: descriptor, index: index)
                sent += 1
            }
            var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) == 1 else { continue }
            var buffer = [UInt8](repeating: 0, count: 128)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            // Ethernet header (14) + ARP: sender MAC at 22..<28, sender IP at 28..<32.
            if count >= 42, buffer[12] == 0x08, buffer[13] == 0x06, Array(buffer[28..<32]) == address.bytes,
                Array(buffer[22..<28]) != mac
            {
                return Array(buffer[22..<28])
            }
        }
        return nil
    }

    /// Announces `address` as this interface's: gratuitous ARP (IPv4) or an unsolicited neighbour advertisement to
    /// all nodes (IPv6), so switches and neighbours forget the old owner.
    /// - Returns: whether the announcement was sent.
    @discardableResult
    static func announce(_ address: IPAddress, on interface: String) -> Bool {
        guard let mac = hardwareAddress(of: interface) else { return false }
        let index = if_nametoindex(interface)
        guard index != 0 else { return false }
        switch address {
        case .v4:
            let descriptor = socket(
                AF_PACKET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(UInt16(0x0806).bigEndian))
            guard descriptor >= 0 else { return false }
            defer { close(descriptor) }
            // Both forms: some neighbours update their caches on a gratuitous request, others on a reply.
            let request = arpFrame(operation: 1, senderMAC: mac, senderIP: address.bytes, targetIP: address.bytes)
            let reply = arpFrame(operation: 2, senderMAC: mac, senderIP: address.bytes, targetIP: address.bytes)
            return send(request, on: descriptor, index: index) && send(reply, on: descriptor, index: index)
        case .v6:
            return advertise(address, mac: mac, index: index)
        }
    }

    /// A `struct sockaddr_ll` (netpacket/packet.h, which Swift's Glibc module leaves out) for ARP on the
    /// interface, addressed to the Ethernet broadcast address: family, protocol, ifindex, hatype, pkttype, halen, addr.
    private static func link(_ index: UInt32) -> [UInt8] {
        func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
        return bytes(UInt16(AF_PACKET)) + bytes(UInt16(0x0806).bigEndian) + bytes(Int32(index)) + bytes(UInt16(0))
            + [0, 6] + [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0]
    }

    @discardableResult
    private static func send(_ frame: [UInt8], on descriptor: Int32, index: UInt32) -> Bool {
        let link = Self.link(index)
        let sent = link.withUnsafeBytes {
            sendto(
                descriptor, frame, frame.count, 0, $0.baseAddress!.assumingMemoryBound(to: sockaddr.self),
                socklen_t($0.count))
        }
        return sent == frame.count
    }

    /// An Ethernet broadcast frame carrying one ARP packet for IPv4 over Ethernet.
    static func arpFrame(operation: UInt8, senderMAC: [UInt8], senderIP: [UInt8], targetIP: [UInt8]) -> [UInt8] {
        let broadcast = [UInt8](repeating: 0xff, count: 6)
        let header = broadcast + senderMAC + [0x08, 0x06]
        let arp: [UInt8] =
            [0, 1, 0x08, 0x00, 6, 4, 0, operation] + senderMAC + senderIP + [0, 0, 0, 0, 0, 0] + targetIP
        return header + arp
    }

    /// An unsolicited neighbour advertisement (RFC 4861 §7.2.6) with the override flag, sent to ff02::1.
    private static func advertise(_ address: IPAddress, mac: [UInt8], index: UInt32) -> Bool {
        let descriptor = socket(
            AF_INET6, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_ICMPV6))
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var hops: Int32 = 255
        setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_MULTICAST_HOPS, &hops, socklen_t(MemoryLayout<Int32>.size))
        var interface = Int32(index)
        setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_MULTICAST_IF, &interface, socklen_t(MemoryLayout<Int32>.size))
        var source = sockaddr_in6()
        source.sin6_family = sa_family_t(AF_INET6)
        withUnsafeMutableBytes(of: &source.sin6_addr) { $0.copyBytes(from: address.bytes) }
        _ = withUnsafePointer(to: &source) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        // Type 136, code 0, checksum (the kernel fills it for ICMPv6 raw sockets), flags: override; then the target,
        // then the target link-layer address option.
        let message: [UInt8] = [136, 0, 0, 0, 0x20, 0, 0, 0] + address.bytes + [2, 1] + mac
        var destination = sockaddr_in6()
        destination.sin6_family = sa_family_t(AF_INET6)
        destination.sin6_scope_id = index
        let allNodes: [UInt8] = [0xff, 0x02] + [UInt8](repeating: 0, count: 13) + [1]
        withUnsafeMutableBytes(of: &destination.sin6_addr) { $0.copyBytes(from: allNodes) }
        let sent = withUnsafePointer(to: &destination) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(descriptor, message, message.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        return sent == message.count
    }
}
