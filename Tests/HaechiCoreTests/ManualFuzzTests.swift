import Foundation
import HaechiTestSupport
import Testing
@testable import HaechiCore

typealias SeededGenerator = SeededRandom

/// The bundled manuals folder of this checkout.
let repositoryManuals: String = {
    let here = URL(fileURLWithPath: #filePath)
    return here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("manuals").path
}()

enum Mutation: CaseIterable {
    case deleteRange, insertRandomBytes, flipBytes, truncate, duplicateLine, swapLines

    func apply(to input: [UInt8], using rng: inout SeededGenerator) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return bytes }
        switch self {
        case .deleteRange:
            let start = Int.random(in: 0..<bytes.count, using: &rng)
            let end = min(bytes.count, start + Int.random(in: 1...64, using: &rng))
            bytes.removeSubrange(start..<end)
        case .insertRandomBytes:
            let at = Int.random(in: 0...bytes.count, using: &rng)
            let pool: [UInt8] = Array("{}[]:,-&*!|>'\"#%@`\n\t ".utf8) + [0x00, 0x1B, 0x7F, 0xC3, 0xEA, 0xFF]
            let inserted = (0..<Int.random(in: 1...16, using: &rng)).map { _ in
                Bool.random(using: &rng) ? pool.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
            }
            bytes.insert(contentsOf: inserted, at: at)
        case .flipBytes:
            for _ in 0..<Int.random(in: 1...8, using: &rng) {
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= UInt8(1) << UInt8.random(in: 0...7, using: &rng)
            }
        case .truncate:
            bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
        case .duplicateLine, .swapLines:
            var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Array.init)
            guard lines.count > 2 else { return bytes }
            let a = Int.random(in: 0..<lines.count, using: &rng), b = Int.random(in: 0..<lines.count, using: &rng)
            if self == .duplicateLine { lines.insert(lines[a], at: b) } else { lines.swapAt(a, b) }
            bytes = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
        }
        return bytes
    }
}

// Own thread: it parses for half a minute or more and would hold one of the shared pool's two
// threads, starving the timers of tests in other suites.
@Suite(.ownThread) struct ManualFuzzTests {
    /// Mutates manuals at random a few hundred times: the loader must never crash, and must
    /// either accept the file or explain every problem with a `file:line:col` location.
    @Test func mutatedManualsNeverCrashAndAlwaysExplainThemselves() throws {
        var sources: [(String, [UInt8])] = [("flood.yaml", Array(fixtureManual.utf8))]
        var channels = fixtureLibrary()
        if FileManager.default.fileExists(atPath: repositoryManuals + "/channels.yaml") {
            let library = ManualLibrary.load(directory: repositoryManuals)
            channels = library.channels
            for path in ManualLibrary.manualFiles(in: repositoryManuals) {
                if let data = FileManager.default.contents(atPath: path) {
                    sources.append(((path as NSString).lastPathComponent, [UInt8](data)))
                }
            }
        }
        let seed = UInt64(ProcessInfo.processInfo.environment["HAECHI_FUZZ_SEED"] ?? "") ?? 0x4A43_4849
        var rng = SeededGenerator(seed: seed)
        let located = try Regex(#"^[^:]+\.yaml:[1-9][0-9]*:[1-9][0-9]*: (error|warning): \S"#)
        var accepted = 0, rejected = 0
        for iteration in 0..<400 {
            let (name, original) = sources[iteration % sources.count]
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes = Mutation.allCases.randomElement(using: &rng)!.apply(to: bytes, using: &rng)
            }
            let (manual, diagnostics) = ManualLoader.load(data: Data(bytes), file: name, channels: channels)
            let errors = diagnostics.filter { $0.severity == .error }
            if errors.isEmpty {
                #expect(manual != nil, "iteration \(iteration) (seed \(seed)): no errors but no manual")
                accepted += 1
            } else {
                #expect(manual == nil, "iteration \(iteration) (seed \(seed)): a manual with errors was accepted")
                rejected += 1
            }
            for d in diagnostics {
                #expect(d.description.firstMatch(of: located) != nil, "iteration \(iteration) (seed \(seed)): unlocated: \(d)")
            }
        }
        #expect(accepted + rejected == 400)
        #expect(rejected > 100, "the mutations should break most files")
    }
}
