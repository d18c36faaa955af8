import Foundation
import HaechiTestSupport
import Testing
@testable import HaechiStore

/// The read path's word-at-a-time and search shortcuts give the same answers as the plain
/// byte-by-byte ones, on random bytes with the interesting ones planted.
@Suite struct ReadPathTests {
    typealias Seeded = SeededRandom

    @Test func aMarkerIsFoundFromEitherEndExactlyWhereItOccurs() {
        var g = Seeded(state: 9)
        let marker = Array(#""record":"message""#.utf8)
        let forward = ByteMarker(marker), backward = ByteMarker(marker, fromEnd: true)
        let alphabet = Array(#""record:msage,{}x"#.utf8)
        for _ in 0..<20_000 {
            var hay = (0..<Int.random(in: 0...60, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
            if Bool.random(using: &g), hay.count >= marker.count {
                let at = Int.random(in: 0...(hay.count - marker.count), using: &g)
                hay.replaceSubrange(at..<(at + marker.count), with: marker)
            }
            let expected = hay.count >= marker.count && (0...(hay.count - marker.count)).contains { hay[$0..<($0 + marker.count)].elementsEqual(marker) }
            hay.withUnsafeBufferPointer { p in
                #expect(forward.found(in: p) == expected)
                #expect(backward.found(in: p) == expected)
            }
        }
    }

    @Test func stringsReadEightBytesAtATimeMatchTheByteByByteRule() {
        var g = Seeded(state: 17)
        let pieces: [[UInt8]] = [Array("a".utf8), Array("서울".utf8), Array(" ".utf8), [0x22], [0x5C], [0x5C, 0x6E], [0x1F], [0x09], [0x7F], [0xFF]]
        for _ in 0..<20_000 {
            var body: [UInt8] = []
            for _ in 0..<Int.random(in: 0...24, using: &g) {
                // Mostly plain text, so long plain runs and a late special byte both occur.
                body += Int.random(in: 0..<10, using: &g) < 7 ? pieces[Int.random(in: 0...2, using: &g)] : pieces.randomElement(using: &g)!
            }
            // The plain rule: the first quote, backslash or control byte ends the plain run.
            let stop = body.firstIndex { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 } ?? body.count
            let line = [0x22] + body + [0x22]
            line.withUnsafeBufferPointer { p in
                var r = JSONBytes(p)
                r.i = 1
                r.skipPlain()
                #expect(r.i == 1 + stop)
                if stop == body.count {
                    var s = JSONBytes(p)
                    #expect(s.string() == String(decoding: body, as: UTF8.self))
                    var plain = JSONBytes(p)
                    #expect(plain.plainString().map { Array($0) } == body)
                }
            }
        }
    }
}
