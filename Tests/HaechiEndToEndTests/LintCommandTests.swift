import Foundation
import Testing
import HaechiTestSupport

@Suite(.ownThread) struct LintCommandTests {
    @Test func theBundledManualsAreClean() throws {
        let result = try Binaries.run("haechi", ["lint", Binaries.bundledManuals])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains(", 0 errors"), "\(result.stdout)")
    }

    @Test func theManualsCommandListsAtLeastTwelveTypesOfBothCategories() throws {
        let result = try Binaries.run("haechi", ["manuals", "--manuals", Binaries.bundledManuals])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count >= 12, "\(result.stdout)")
        #expect(lines.contains { $0.contains(" natural ") } && lines.contains { $0.contains(" social ") })
    }

    @Test func showPrintsAPaperChecklistInBothLanguages() throws {
        let list = try Binaries.run("haechi", ["manuals", "--manuals", Binaries.bundledManuals])
        let id = try #require(list.stdout.split(separator: " ").first.map(String.init))
        for lang in ["ko", "en"] {
            for format in ["text", "markdown"] {
                let shown = try Binaries.run("haechi", ["show", id, "--lang", lang, "--format", format, "--manuals", Binaries.bundledManuals])
                #expect(shown.status == 0, "\(shown.stderr)")
                #expect(shown.stdout.contains("[ ]"), "a box to tick in \(lang)/\(format)")
            }
        }
        let missing = try Binaries.run("haechi", ["show", "no-such-manual", "--manuals", Binaries.bundledManuals])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("no manual 'no-such-manual'"), "\(missing.stderr)")
    }

    /// The binary, not just the loader: mutated files give exit 1 and located errors, never a crash.
    @Test func mutatedFilesGiveExitOneWithLocatedErrors() throws {
        let dir = Binaries.temporaryDirectory("lint")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: Binaries.bundledManuals).filter { $0.hasSuffix(".yaml") && $0 != "channels.yaml" }.sorted()
        let source = try #require(files.first.flatMap { FileManager.default.contents(atPath: Binaries.bundledManuals + "/" + $0) })
        try FileManager.default.copyItem(atPath: Binaries.bundledManuals + "/channels.yaml", toPath: dir + "/channels.yaml")
        var generator = SystemRandomNumberGenerator()
        for i in 0..<12 {
            var bytes = [UInt8](source)
            let cut = Int.random(in: 0..<bytes.count, using: &generator)
            if i % 2 == 0 { bytes = Array(bytes.prefix(cut)) } else { bytes.insert(contentsOf: [0x1B, 0x5B, 0x32, 0x4A, 0xFF, 0x3A], at: cut) }
            let path = dir + "/" + files[0]
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let result = try Binaries.run("haechi", ["lint", path])
            #expect(result.status == 0 || result.status == 1, "exit \(result.status): \(result.stderr)")
            let problems = result.stdout.split(separator: "\n").dropLast()
            if result.status == 1 {
                #expect(!problems.isEmpty)
                for line in problems {
                    #expect(line.range(of: #"^.+\.yaml:\d+:\d+: (error|warning): "#, options: .regularExpression) != nil, "\(line)")
                }
            }
        }
    }

    @Test func scenariosAreLintedAgainstTheirManuals() throws {
        let dir = Binaries.temporaryDirectory("lint-scenario")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/scenarios", withIntermediateDirectories: true)
        for f in ["channels.yaml", "typhoon.yaml"] {
            try fm.copyItem(atPath: Binaries.bundledManuals + "/" + f, toPath: dir + "/" + f)
        }
        let scenario = try #require(try fm.contentsOfDirectory(atPath: Binaries.bundledManuals + "/scenarios").first { $0.hasPrefix("typhoon") })
        let text = try String(contentsOfFile: Binaries.bundledManuals + "/scenarios/" + scenario, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.hasPrefix("manual: typhoon") })
        var broken = lines
        broken[index] = "manual: typhon"
        try broken.joined(separator: "\n").write(toFile: dir + "/scenarios/" + scenario, atomically: true, encoding: .utf8)
        let result = try Binaries.run("haechi", ["lint", dir])
        #expect(result.status == 1)
        #expect(result.stdout.contains("scenarios/\(scenario):\(index + 1):9: error: unknown manual 'typhon'; did you mean 'typhoon'?"), "\(result.stdout)")
    }

    /// `haechi lint manuals/scenarios` and `haechi lint earthquake-m5.yaml` outside one used to read each scenario
    /// as a manual (37 false errors on the bundled ones): scenarios are recognised by folder or shape.
    @Test func aScenariosFolderAndAScenarioFileAnywhereAreLintedAsScenarios() throws {
        let folder = try Binaries.run("haechi", ["lint", Binaries.bundledManuals + "/scenarios"])
        #expect(folder.status == 0, "\(folder.stdout)")
        #expect(folder.stdout.hasSuffix(", 0 errors, 0 warnings\n"), "\(folder.stdout)")
        #expect(folder.stdout.hasPrefix("lint: 4 files"), "\(folder.stdout)")

        let dir = Binaries.temporaryDirectory("lint-one-scenario")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let text = try String(contentsOfFile: Binaries.bundledManuals + "/scenarios/earthquake-m5.yaml", encoding: .utf8)
        try text.write(toFile: dir + "/earthquake-m5.yaml", atomically: true, encoding: .utf8)
        let one = try Binaries.run("haechi", ["lint", dir + "/earthquake-m5.yaml", "--manuals", Binaries.bundledManuals])
        #expect(one.status == 0, "\(one.stdout)")
        #expect(one.stdout == "lint: 1 file, 0 manuals loaded, 0 errors, 0 warnings\n", "\(one.stdout)")
        let folderOfOne = try Binaries.run("haechi", ["lint", dir, "--manuals", Binaries.bundledManuals])
        #expect(folderOfOne.status == 0, "\(folderOfOne.stdout)")

        // Still checked as a scenario, against the manuals: a wrong manual id is the one error.
        try text.replacingOccurrences(of: "manual: earthquake", with: "manual: earthquak")
            .write(toFile: dir + "/earthquake-m5.yaml", atomically: true, encoding: .utf8)
        let broken = try Binaries.run("haechi", ["lint", dir + "/earthquake-m5.yaml", "--manuals", Binaries.bundledManuals])
        #expect(broken.status == 1)
        let problems = broken.stdout.split(separator: "\n").dropLast()
        #expect(problems.count == 1, "\(broken.stdout)")
        #expect(problems.first?.contains("earthquake-m5.yaml:7:9: error: unknown manual 'earthquak'") == true, "\(broken.stdout)")
    }

    @Test func showWritesASelfContainedHTMLPage() throws {
        let result = try Binaries.run("haechi", ["show", "typhoon", "--format", "html", "--manuals", Binaries.bundledManuals])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("<!DOCTYPE html>"))
        #expect(!result.stdout.contains("<script"), "no scripts in a page meant for printing")
        #expect(result.stdout.contains("태풍"))
    }

    @Test func manualsStatsNamesTheStepsMostOftenMissed() throws {
        let fixture = Binaries.repositoryRoot + "/Tests/HaechiCoreTests/Fixtures/report-state"
        let result = try Binaries.run("haechi", ["manuals", "--stats", "--state", fixture, "--manuals", Binaries.bundledManuals])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("heavy-rain — 호우ㆍ도시침수: 2 incidents (1 drill)"), "\(result.stdout)")
        #expect(result.stdout.contains("HR-06: missed 1 of 2 — late 0, skipped 1"), "\(result.stdout)")
        let empty = Binaries.temporaryDirectory("stats")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let none = try Binaries.run("haechi", ["manuals", "--stats", "--lang", "en", "--state", empty, "--manuals", Binaries.bundledManuals])
        #expect(none.status == 0)
        #expect(none.stdout == "No past incidents in \(empty).\n", "\(none.stdout)")
    }
}
