/// An IP address with an optional prefix length, as a floating IP is written: `192.168.1.10/24`.
public struct PrefixedAddress: Hashable, Sendable, CustomStringConvertible {
    /// The address.
    public var address: IPAddress
    /// The prefix length, when one was written.
    public var prefixLength: Int?

    /// Creates a prefixed address.
    public init(address: IPAddress, prefixLength: Int?) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `ADDRESS` or `ADDRESS/LENGTH`.
    /// - Throws: ``ValueError`` with code ``DiagnosticCode/badAddress``.
    public init(configText text: String) throws(ValueError) {
        guard let slash = text.utf8.firstIndex(of: UInt8(ascii: "/")) else {
            self.init(address: try IPAddress(configText: text), prefixLength: nil)
            return
        }
        let address = try IPAddress(configText: String(text[..<slash]))
        let lengthText = text[text.index(after: slash)...]
        guard (1...3).contains(lengthText.utf8.count), lengthText.utf8.allSatisfy(\.isASCIIDigit),
            lengthText == "0" || lengthText.utf8.first != UInt8(ascii: "0"), let length = Int(lengthText),
            length <= address.bitCount
        else {
            throw ValueError(
                .badAddress, "'\(lengthText)' is not a prefix length for \(address)",
                hint:
                    "write a prefix length from 0 to \(address.bitCount), as in \(address)/\(address.bitCount == 32 ? 24 : 64)"
            )
        }
        self.init(address: address, prefixLength: length)
    }

    /// `address/length`, or the address alone.
    public var description: String {
        prefixLength.map { "\(address)/\($0)" } ?? address.description
    }
}
