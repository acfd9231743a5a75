/// An IPv4 or IPv6 address, compared by value: `::1` and `0:0::1` are the same address.
public enum IPAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// An IPv4 address in host byte order.
    case v4(UInt32)
    /// An IPv6 address as eight 16-bit groups, most significant first.
    case v6([UInt16])

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (zones such as `%eth0` are not accepted).
    /// - Throws: ``ValueError`` with code ``DiagnosticCode/badAddress``.
    public init(configText text: String) throws(ValueError) {
        if let v4 = Self.parseV4(Substring(text)) {
            self = .v4(v4)
        } else if let groups = Self.parseV6(Substring(text)) {
            self = .v6(groups)
        } else {
            throw ValueError(
                .badAddress, "'\(text)' is not an IP address",
                hint: "write an IPv4 address such as 192.168.1.10 or an IPv6 address such as fd00::10")
        }
    }

    /// The largest prefix length of this address family: 32 or 128.
    public var bitCount: Int {
        if case .v4 = self { 32 } else { 128 }
    }

    /// Dotted quad for IPv4; the RFC 5952 canonical form for IPv6.
    public var description: String {
        switch self {
        case .v4(let value):
            return (0..<4).map { String((value >> (24 - 8 * $0)) & 0xff) }.joined(separator: ".")
        case .v6(let groups):
            return Self.formatV6(groups)
        }
    }

    /// IPv4 before IPv6, then numerically.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a.lexicographicallyPrecedes(b)
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }

    private static func parseV4(_ text: Substring) -> UInt32? {
        var value: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var octets = 0
        // One pass over the bytes: four dot-separated decimals of 1 to 3 digits, each at most 255.
        for byte in text.utf8 {
            if byte == .dot {
                guard digits > 0, octets < 3 else { return nil }
                value = value << 8 | octet
                (octet, digits, octets) = (0, 0, octets + 1)
            } else {
                // A leading zero reads as octal to inet_aton(3); refuse it rather than guess.
                guard byte.isASCIIDigit, digits < 3, !(digits == 1 && octet == 0) else { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { return nil }
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return value << 8 | octet
    }

    private static func parseV6(_ text: Substring) -> [UInt16]? {
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        guard let head = parseV6Groups(halves[0]) else { return nil }
        if halves.count == 1 {
            return head.count == 8 ? head : nil
        }
        guard let tail = parseV6Groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }

    /// Colon-separated hex groups; the last may be an embedded IPv4 address worth two groups.
    private static func parseV6Groups(_ text: Substring) -> [UInt16]? {
        if text.isEmpty { return [] }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        var groups: [UInt16] = []
        for (index, part) in parts.enumerated() {
            if index == parts.count - 1, part.contains("."), let v4 = parseV4(part) {
                groups += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
            } else {
                guard (1...4).contains(part.count), part.allSatisfy(\.isHexDigit), let group = UInt16(part, radix: 16)
                else { return nil }
                groups.append(group)
            }
        }
        return groups
    }

    private static func formatV6(_ groups: [UInt16]) -> String {
        // RFC 5952: compress the longest run of two or more zero groups, the first one on a tie.
        var best = (start: -1, length: 0)
        var index = 0
        while index < groups.count {
            guard groups[index] == 0 else {
                index += 1
                continue
            }
            let start = index
            while index < groups.count, groups[index] == 0 { index += 1 }
            if index - start > best.length { best = (start, index - start) }
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.length >= 2 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}

extension Substring {
    fileprivate func components(separatedBy separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = self[...]
        while let range = rest.firstRange(of: separator) {
            parts.append(rest[..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}

extension IPAddress {
    /// The address in network byte order: 4 or 16 bytes.
    public var bytes: [UInt8] {
        switch self {
        case .v4(let value): (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let groups): groups.flatMap { [UInt8(truncatingIfNeeded: $0 >> 8), UInt8(truncatingIfNeeded: $0)] }
        }
    }

    /// Whether this address lies in the subnet of `network` with that prefix length (same family only).
    public func isIn(_ network: IPAddress, prefixLength: Int) -> Bool {
        let mine = bytes
        let theirs = network.bytes
        guard mine.count == theirs.count, (0...mine.count * 8).contains(prefixLength) else { return false }
        for bit in 0..<prefixLength where (mine[bit / 8] ^ theirs[bit / 8]) & (0x80 >> UInt8(bit % 8)) != 0 {
            return false
        }
        return true
    }
}

extension IPAddress {
    /// `0.0.0.0` or `::`: no machine's address.
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    /// `224.0.0.0/4` or `ff00::/8`: a group's address, not a machine's.
    public var isMulticast: Bool {
        switch self {
        case .v4(let value): value >> 28 == 0xE
        case .v6(let groups): groups[0] >> 8 == 0xFF
        }
    }

    /// `127.0.0.0/8` or `::1`: this machine only.
    public var isLoopback: Bool {
        switch self {
        case .v4(let value): value >> 24 == 127
        case .v6(let groups): groups == [0, 0, 0, 0, 0, 0, 0, 1]
        }
    }

    /// `255.255.255.255`: every machine on the segment.
    public var isLimitedBroadcast: Bool { self == .v4(.max) }

    /// For an IPv4 address with a prefix of 1 to 30: `"network"` when it is its subnet's network address (every host
    /// bit 0), `"broadcast"` when it is its broadcast address (every host bit 1), which no interface should take;
    /// else `nil`. Prefixes 31 and 32 have neither.
    public func reservedRole(prefixLength: Int) -> String? {
        guard case .v4(let value) = self, (1...30).contains(prefixLength) else { return nil }
        let host = UInt32.max >> UInt32(prefixLength)
        return value & host == 0 ? "network" : value & host == host ? "broadcast" : nil
    }
}
