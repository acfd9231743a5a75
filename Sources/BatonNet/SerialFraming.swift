/// Frames for a byte stream such as a serial line, which has no packet boundaries of its own: each packet is sent
/// as SLIP does it (RFC 1055), its bytes escaped and ended by ``end``, with an ``end`` before it too, so that noise
/// on an idle line is cut off from the next frame.
///
/// A frame carries a signed heartbeat packet unchanged, so it needs no checksum of its own: noise, a lost byte or a
/// frame cut short gives bytes that ``PacketVerifier`` rejects and counts, as it does a bad UDP packet.
public enum SerialFraming {
    /// Ends a frame.
    public static let end: UInt8 = 0xC0
    /// Starts an escape: ``escapedEnd`` or ``escapedEscape`` follows.
    public static let escape: UInt8 = 0xDB
    /// ``end`` inside a frame.
    public static let escapedEnd: UInt8 = 0xDC
    /// ``escape`` inside a frame.
    public static let escapedEscape: UInt8 = 0xDD

    /// `packet`, framed.
    public static func frame(_ packet: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [end]
        bytes.reserveCapacity(packet.count + packet.count / 16 + 2)
        for byte in packet {
            switch byte {
            case end: bytes += [escape, escapedEnd]
            case escape: bytes += [escape, escapedEscape]
            default: bytes.append(byte)
            }
        }
        bytes.append(end)
        return bytes
    }

    /// Cuts what a line delivers, in pieces of any size, into the frames it held.
    public struct Reader: Sendable {
        /// The longest frame kept; a longer one is dropped whole.
        public let limit: Int
        /// How many frames were dropped: too long, or holding an escape that is not one.
        public private(set) var dropped = 0
        private var frame: [UInt8] = []
        private var escaping = false
        private var discarding = false

        /// A reader that keeps frames of at most `limit` bytes.
        public init(limit: Int) {
            self.limit = limit
        }

        /// The frames that end in `bytes`, whole; the start of the next stays for the next call.
        public mutating func read(_ bytes: some Sequence<UInt8>) -> [[UInt8]] {
            var frames: [[UInt8]] = []
            for byte in bytes {
                if byte == SerialFraming.end {
                    if !discarding, !escaping, !frame.isEmpty { frames.append(frame) }
                    if escaping { dropped += 1 }
                    frame.removeAll(keepingCapacity: true)
                    (escaping, discarding) = (false, false)
                    continue
                }
                guard !discarding else { continue }
                var value = byte
                if escaping {
                    escaping = false
                    switch byte {
                    case SerialFraming.escapedEnd: value = SerialFraming.end
                    case SerialFraming.escapedEscape: value = SerialFraming.escape
                    default:
                        discard()
                        continue
                    }
                } else if byte == SerialFraming.escape {
                    escaping = true
                    continue
                }
                guard frame.count < limit else {
                    discard()
                    continue
                }
                frame.append(value)
            }
            return frames
        }

        private mutating func discard() {
            dropped += 1
            discarding = true
            frame.removeAll(keepingCapacity: true)
        }
    }
}
