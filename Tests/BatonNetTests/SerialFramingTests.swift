import Testing

@testable import BatonNet

/// SLIP frames on a byte stream: whole packets out of pieces of any size, and a line that recovers from noise.
struct SerialFramingTests {
    /// Every byte value, the frame's own markers among them, and a run of markers.
    static let packet: [UInt8] = (0...255).map(UInt8.init) + [0xC0, 0xC0, 0xDB, 0xDB, 0xDC, 0xDD]

    @Test func aFrameEscapesItsMarkersAndReadsBackInPiecesOfAnySize() {
        let framed = SerialFraming.frame(Self.packet)
        #expect(framed.first == SerialFraming.end && framed.last == SerialFraming.end)
        #expect(!framed.dropFirst().dropLast().contains(SerialFraming.end), "no marker inside the frame")
        let line = framed + SerialFraming.frame([1, 2, 3])
        for size in [1, 2, 3, 7, 64, line.count] {
            var reader = SerialFraming.Reader(limit: 1024)
            var frames: [[UInt8]] = []
            var offset = 0
            while offset < line.count {
                frames += reader.read(line[offset..<min(offset + size, line.count)])
                offset += size
            }
            #expect(frames == [Self.packet, [1, 2, 3]], "pieces of \(size)")
            #expect(reader.dropped == 0)
        }
    }

    @Test func noiseBecomesAFrameOfItsOwnAndTheNextFrameIsWhole() {
        var reader = SerialFraming.Reader(limit: 1024)
        let frames = reader.read([0x55, 0x00, 0xFF] + SerialFraming.frame([9, 8, 7]))
        #expect(frames == [[0x55, 0x00, 0xFF], [9, 8, 7]], "the verifier rejects the first")
        let cut = Array(SerialFraming.frame([4, 5, 6, 7]).dropLast(2))
        #expect(reader.read(cut).isEmpty, "a frame cut short is not complete yet")
        #expect(reader.read(SerialFraming.frame([1])) == [[4, 5, 6], [1]], "the cut frame ends at the next marker")
    }

    @Test func aFrameTooLongOrWithABadEscapeIsDroppedAndCounted() {
        var reader = SerialFraming.Reader(limit: 8)
        let long = SerialFraming.frame([UInt8](repeating: 1, count: 9))
        let badEscape: [UInt8] = [SerialFraming.end, 1, SerialFraming.escape, 0x42, 2, SerialFraming.end]
        let escapeAtEnd: [UInt8] = [SerialFraming.end, 3, SerialFraming.escape, SerialFraming.end]
        let fits = SerialFraming.frame([UInt8](repeating: 2, count: 8))
        #expect(reader.read(long + badEscape + escapeAtEnd + fits) == [[UInt8](repeating: 2, count: 8)])
        #expect(reader.dropped == 3)
    }
}
