import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing
import HaechiUI
@testable import HaechiApp

/// The TUI's cache of parsed manuals: the same contents as parsing, and never used once any
/// file it was made from changed (content, not time: rewriting the same bytes keeps it).
/// On its own thread: parsing every manual again and again blocks, and must not starve the
/// cooperative pool other suites' timers run on.
@Suite(.ownThread) struct ManualCacheTests {
    let root = Binaries.temporaryDirectory("manual-cache")
    var manuals: String { root + "/manuals" }
    var cache: ManualCache { ManualCache(directory: root + "/cache") }

    /// A few bundled manuals and their scenarios with the shared files (all 24 would be parsed
    /// a dozen times here for nothing: every test on this machine shares two cores).
    func copyBundledManuals() throws {
        try FileManager.default.createDirectory(atPath: manuals + "/scenarios", withIntermediateDirectories: true)
        let files = ["channels.yaml", "contacts.yaml", "places.yaml", "typhoon.yaml", "heat-wave.yaml", "heavy-rain.yaml",
                     "scenarios/typhoon-landfall.yaml", "scenarios/heavy-rain-gangnam.yaml"]
        for f in files { try FileManager.default.copyItem(atPath: Binaries.bundledManuals + "/" + f, toPath: manuals + "/" + f) }
    }

    /// Loads through the cache, counting the parses it needed.
    func load() -> (TUIManuals.Loaded, parses: Int, notes: [String]) {
        var parses = 0
        var notes: [String] = []
        let (contents, source) = cache.load(manualsDirectory: manuals, note: { notes.append($0) }) { key in
            parses += 1
            return TUIManuals.parse(directory: manuals, key: key)
        }
        return (TUIManuals.loaded(contents, source: source, notes: notes), parses, notes)
    }

    func edit(_ file: String, _ change: (String) -> String) throws {
        let path = manuals + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let changed = change(text)
        try #require(changed != text, "the edit must change \(file)")
        try changed.write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func theCompactFormGivesBackExactlyWhatParsingGave() throws {
        let parsed = TUIManuals.parse(directory: Binaries.bundledManuals, key: "k")
        try #require(parsed.manuals.count >= 24 && parsed.scenarios.count >= 8 && parsed.problems.isEmpty, "\(parsed.problems)")
        let bytes = try ManualCache.encodeFile(parsed)
        #expect(try ManualCache.decodeFile(bytes) == parsed)
        // A damaged file is an error (a cache miss), never a crash or a partial library.
        for cut in [0, 5, bytes.count / 3, bytes.count - 1] {
            #expect(throws: (any Error).self) { try ManualCache.decodeFile(Array(bytes[0..<cut])) }
        }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0xFF
        #expect(throws: (any Error).self, "a damaged byte is a cache miss") { try ManualCache.decodeFile(flipped) }
    }

    @Test func aSecondStartReadsTheCacheAndAnyChangeToAnyFileParsesAgain() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try copyBundledManuals()
        let first = load()
        #expect(first.0.source == .parsed && first.parses == 1, "\(first.notes)")
        let second = load()
        #expect(second.0.source == .cache && second.parses == 0, "\(second.notes)")
        #expect(second.0.manuals == first.0.manuals && second.0.scenarios == first.0.scenarios)
        #expect(second.0.channels == first.0.channels && second.0.problems == first.0.problems)
        try #require(first.0.manuals.count == 3 && first.0.scenarios.count == 2 && first.0.problems.isEmpty, "\(first.0.problems)")

        // The same bytes written again: content decides, not the modification time.
        let typhoon = try String(contentsOfFile: manuals + "/typhoon.yaml", encoding: .utf8)
        try typhoon.write(toFile: manuals + "/typhoon.yaml", atomically: true, encoding: .utf8)
        #expect(load().0.source == .cache)

        // A manual's title changed: parsed again, the new title shown.
        try edit("typhoon.yaml") { $0.replacingOccurrences(of: "title: {ko: 태풍,", with: "title: {ko: 태풍(개정),") }
        let retitled = load()
        #expect(retitled.0.source == .parsed)
        #expect(retitled.0.manuals.first { $0.id == "typhoon" }?.title.ko == "태풍(개정)")
        #expect(load().0.source == .cache)

        // A scenario, channels.yaml, contacts.yaml: each its own miss.
        try edit("scenarios/typhoon-landfall.yaml") { $0 + "\n# reviewed\n" }
        #expect(load().0.source == .parsed)
        try edit("channels.yaml") { $0.replacingOccurrences(of: "limit: 90", with: "limit: 80") }
        let channels = load()
        #expect(channels.0.source == .parsed && channels.0.channels["cbs"]?.limit == 80)
        try edit("contacts.yaml") { $0 + "\n" }
        #expect(load().0.source == .parsed)

        // A manual broken: its error shows and it is left out, as without a cache.
        try edit("typhoon.yaml") { $0.replacingOccurrences(of: "category: natural", with: "category: weather") }
        let broken = load()
        #expect(broken.0.source == .parsed)
        #expect(!broken.0.manuals.contains { $0.id == "typhoon" })
        #expect(broken.0.problems.contains { $0.contains("typhoon.yaml:") && $0.contains("weather") }, "\(broken.0.problems)")
        #expect(load().0.problems == broken.0.problems)

        // A manual added, then removed.
        try FileManager.default.copyItem(atPath: manuals + "/heat-wave.yaml", toPath: manuals + "/heat-wave-copy.yaml")
        let added = load()
        #expect(added.0.source == .parsed && added.0.problems.contains { $0.contains("heat-wave-copy.yaml") })
        try FileManager.default.removeItem(atPath: manuals + "/heat-wave-copy.yaml")
        let removed = load()
        #expect(removed.0.source == .parsed)
        // What the TUI calls: the same cache.
        let tui = TUIManuals.load(directory: manuals, cache: cache)
        #expect(tui.source == .cache)
        #expect(tui.manuals == removed.0.manuals && tui.scenarios == removed.0.scenarios && tui.problems == removed.0.problems)
    }

    @Test func aDamagedCacheIsParsedOverAndRewritten() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try copyBundledManuals()
        _ = load()
        let file = cache.file(for: manuals)
        try #require(FileManager.default.fileExists(atPath: file))
        try Data("not a cache".utf8).write(to: URL(fileURLWithPath: file))
        let again = load()
        #expect(again.0.source == .parsed && again.parses == 1)
        #expect(again.notes.contains { $0.contains("unreadable") }, "\(again.notes)")
        #expect(load().0.source == .cache)
        // Only its owner may read or replace it; one others could write is not believed.
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: file)
        let shared = load()
        #expect(shared.0.source == .parsed, "a cache others can write is parsed over")
        #expect(shared.notes.contains { $0.contains("writable by others (mode 666)") }, "\(shared.notes)")
        let replaced = load()
        #expect(replaced.0.source == .cache, "and replaced by one of mode 0600: \(replaced.notes)")
    }

    /// A cache file of the right mode in a directory others may write is not believed either:
    /// another user could have renamed their own file into its place (the rule the outbox
    /// listing's checkpoint follows too, `PrivateFile`).
    @Test func aCacheInADirectoryOthersCanWriteIsNotBelieved() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try copyBundledManuals()
        _ = load()
        #expect(load().0.source == .cache)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: root + "/cache")
        let shared = load()
        #expect(shared.0.source == .parsed, "\(shared.notes)")
        #expect(shared.notes.contains { $0.contains("its directory \(root)/cache is writable by others (mode 777)") }, "\(shared.notes)")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: root + "/cache")
        #expect(load().0.source == .cache)
    }

    /// What the TUI's first frame reads: `open` (the index) and then `finish` (the rest).
    func open() -> (ManualCache.Opening, notes: [String]) {
        var notes: [String] = []
        let opening = cache.open(manualsDirectory: manuals, note: { notes.append($0) }) { TUIManuals.parse(directory: manuals, key: $0) }
        return (opening, notes)
    }

    @Test func theIndexListsWhatTheManualsGiveAndADamagedIndexIsNeverRead() throws {
        let parsed = TUIManuals.parse(directory: Binaries.bundledManuals, key: "k")
        try #require(parsed.manuals.count >= 24 && parsed.problems.isEmpty, "\(parsed.problems)")
        let file = try ManualCache.encodeFile(parsed)
        let parts = try #require(ManualCache.parts(of: file))
        let index = try ManualCache.decodeIndex(parts[0])
        #expect(index.key == "k" && index.problems.isEmpty && index.listing == parsed.manuals.map(ManualListing.init))
        #expect(index.checksums.count == parts.count - 1)
        #expect(index.listing.contains { $0.title.ko == "지진" && $0.category == .natural && $0.stepCount > 0 })
        // Problems travel too (Home shows the first one).
        let withProblems = ManualCache.Index(key: "x", fingerprint: "f", problems: ["a.yaml:3:1: 문제", "b"], listing: index.listing, checksums: [0, 0xFFFF_FFFF])
        #expect(try ManualCache.decodeIndex(ManualCache.encodeIndex(withProblems)) == withProblems)
        // Every byte damaged, every cut: an error (a cache miss), never another title on screen.
        let bytes = parts[0]
        for i in bytes.indices {
            var damaged = bytes
            damaged[i] ^= 0xFF
            #expect(throws: (any Error).self, "byte \(i)") { try ManualCache.decodeIndex(damaged) }
        }
        for cut in [0, 3, 8, bytes.count / 2, bytes.count - 1] {
            #expect(throws: (any Error).self) { try ManualCache.decodeIndex(Array(bytes[0..<cut])) }
        }
    }

    @Test func theFirstFrameGetsTheIndexOnlyWhileItIsCurrentAndTheRestMatchesIt() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try copyBundledManuals()
        let (first, firstSource) = try #require(open().0.loaded, "no cache yet: parsed")
        #expect(firstSource == .parsed)
        try #require(first.manuals.count == 3 && first.problems.isEmpty, "\(first.problems)")

        // Current: the index lists exactly the manuals the rest holds, and the rest is the cache.
        let (index, rest) = try #require(open().0.indexed, "a current cache opens with its index")
        #expect(index.listing == first.manuals.map(ManualListing.init) && index.problems == first.problems)
        let finished = rest.finish { _ in Issue.record("a current cache is not parsed"); return first }
        #expect(finished.source == .cache && finished.contents == first)

        // A title changed: the stale index is not shown, the new title is.
        try edit("typhoon.yaml") { $0.replacingOccurrences(of: "title: {ko: 태풍,", with: "title: {ko: 태풍(개정),") }
        let (retitled, retitledSource) = try #require(open().0.loaded, "a stale index is not used")
        #expect(retitledSource == .parsed)
        #expect(retitled.manuals.first { $0.id == "typhoon" }?.title.ko == "태풍(개정)")
        let (reindexed, _) = try #require(open().0.indexed, "rewritten: indexed again")
        #expect(reindexed.listing.first { $0.id == "typhoon" }?.title.ko == "태풍(개정)")

        // Files whose size and times look unchanged but whose bytes are not (the index was made
        // before the edit, its fingerprint after): the first frame shows the index, `finish`
        // hashes the files, finds them changed and parses them; the shell then shows those.
        try cache.store(first, fingerprint: ManualCache.fingerprint(of: manuals), at: cache.file(for: manuals))
        let (stale, staleRest) = try #require(open().0.indexed, "a matching fingerprint opens with the index")
        #expect(stale.listing.first { $0.id == "typhoon" }?.title.ko == "태풍")
        var staleNotes: [String] = []
        let current = staleRest.finish(note: { staleNotes.append($0) }) { TUIManuals.parse(directory: manuals, key: $0) }
        #expect(current.source == .parsed && current.contents == retitled)
        #expect(staleNotes.contains { $0.contains("changed without their size or times showing it") }, "\(staleNotes)")
        #expect(try #require(open().0.indexed).0.listing.first { $0.id == "typhoon" }?.title.ko == "태풍(개정)")

        // The index damaged: parsed over, said in the log, rewritten.
        let file = cache.file(for: manuals)
        var bytes = try #require(FileManager.default.contents(atPath: file).map(Array.init))
        // Inside the index's body: past its magic and checksum.
        let at = try #require((0..<(bytes.count - 4)).first { Array(bytes[$0..<($0 + 4)]) == ManualCache.indexMagic })
        bytes[at + 12] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let (damagedIndex, notes) = open()
        let (reparsed, reparsedSource) = try #require(damagedIndex.loaded, "a damaged index is parsed over")
        #expect(reparsedSource == .parsed && reparsed == retitled)
        #expect(notes.contains { $0.contains("unreadable") }, "\(notes)")

        // The index intact but the manuals after it damaged: the rest is parsed, not half-read.
        bytes = try #require(FileManager.default.contents(atPath: file).map(Array.init))
        bytes[bytes.count - 20] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let (_, damagedRest) = try #require(open().0.indexed, "the index is intact")
        var parses = 0
        var later: [String] = []
        let recovered = damagedRest.finish(note: { later.append($0) }) { key in
            parses += 1
            return TUIManuals.parse(directory: manuals, key: key)
        }
        #expect(recovered.source == .parsed && parses == 1 && recovered.contents == reparsed)
        #expect(later.contains { $0.contains("unreadable") }, "\(later)")
    }

    /// An index longer than the first read (16 KiB: a library of a few hundred manuals, or many
    /// load problems) is read to the length its header gives, and still opens the first frame.
    @Test func anIndexLongerThanTheFirstReadIsReadToItsEnd() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try copyBundledManuals()
        var contents = try #require(open().0.loaded, "no cache yet: parsed").0
        contents.problems = (0..<600).map { "manuals/x.yaml:\($0):1: 문제 \($0) — a long enough line to fill the index" }
        let file = cache.file(for: manuals)
        try cache.store(contents, fingerprint: ManualCache.fingerprint(of: manuals), at: file)
        let header = try #require(FileManager.default.contents(atPath: file).map(Array.init))
        try #require((ManualCache.indexEnd(of: header) ?? 0) > 1 << 14, "the index is longer than the first read")
        let (index, _) = try #require(open().0.indexed, "a long index opens the first frame too")
        #expect(index.problems == contents.problems && index.listing == contents.manuals.map(ManualListing.init))
        // A header claiming more than the file holds is a miss (parsed), never a crash.
        try Data(Array(header.prefix(1 << 14))).write(to: URL(fileURLWithPath: file))
        let (_, source) = try #require(open().0.loaded, "a cut file is not an index")
        #expect(source == .parsed)
    }

    /// The cache file is named by the folder's absolute path, worked out by hand as URL does.
    @Test func theFolderIsNamedFromTheRootAsURLWouldName() {
        for path in ["manuals", "./manuals/", "a/../manuals", "/srv/./haechi/../manuals", "/", "/srv//manuals", "../x/./y"] {
            #expect(ManualCache.absolute(path) == URL(fileURLWithPath: path).standardizedFileURL.path, "\(path)")
        }
    }

    @Test func theCacheDirectoryFollowsXDGThenHomeAndIsOffWithoutEither() {
        #expect(ManualCache.directory(environment: ["XDG_CACHE_HOME": "/x/cache", "HOME": "/home/kim"]) == "/x/cache/haechi")
        #expect(ManualCache.directory(environment: ["HOME": "/home/kim"]) == "/home/kim/.cache/haechi")
        #expect(ManualCache.directory(environment: ["XDG_CACHE_HOME": "relative", "HOME": "/home/kim"]) == "/home/kim/.cache/haechi")
        #expect(ManualCache.directory(environment: [:]) == nil)
    }
}

extension ManualCache.Opening {
    var indexed: (ManualCache.Index, ManualCache.Rest)? {
        if case .indexed(let index, let rest) = self { return (index, rest) }
        return nil
    }
    var loaded: (ManualCache.Contents, ManualCache.Source)? {
        if case .loaded(let contents, let source) = self { return (contents, source) }
        return nil
    }
}

/// Home with incidents, drawn from the parsed-manual cache's index (the TUI's first frame), is
/// the frame drawn from the full manuals: the same titles, progress figures and variables,
/// counted by the one rule (`Incident.counts(of:)`), which agrees with the steps the checklist
/// shows (`Incident.visibleSteps`). Generated histories over every bundled manual: levels raised
/// and lowered, the city's stage set, steps of higher levels worked on, notes, unknown steps.
@Suite(.ownThread) struct HomeFromTheIndexTests {
    let root = Binaries.temporaryDirectory("home-from-index")

    @Test func homeWithIncidentsFromTheIndexIsTheFrameFromTheFullManuals() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let parsed = TUIManuals.parse(directory: Binaries.bundledManuals, key: "k")
        try #require(parsed.manuals.count >= 24 && parsed.problems.isEmpty, "\(parsed.problems)")
        let parts = try #require(ManualCache.parts(of: ManualCache.encodeFile(parsed)))
        let index = try ManualCache.decodeIndex(parts[0])
        #expect(index.listing == parsed.manuals.map(ManualListing.init))
        try #require(index.listing.contains { $0.steps.contains { $0.fromStage != nil } }, "some step applies from a city stage")
        try #require(index.listing.contains { $0.firstVariable != nil })

        let directory = StateDirectory(path: root + "/state")
        try directory.prepare()
        let store = FileStore(directory)
        var random = SeededRandom(seed: 20261201)
        let opened = Date(timeIntervalSince1970: 1_796_086_800)
        var histories: [(incident: Incident, manual: Manual)] = []
        for n in 0..<40 {
            let manual = parsed.manuals[Int.random(in: 0..<parsed.manuals.count, using: &random)]
            let id = "20261201-09" + String(String(10000 + n).dropFirst()) + "-" + manual.id + "-0001"
            var at = opened.addingTimeInterval(Double(n) * 60)
            func stamp() -> IncidentEvent.Stamp {
                at = at.addingTimeInterval(30)
                return .init(incident: id, at: at, operator: "kim")
            }
            let variables = manual.variables.first.map { [$0.id: "마포구 \(n)"] } ?? [:]
            var events: [IncidentEvent] = [.opened(stamp(), .init(manual: manual.id, mode: n % 3 == 0 ? .live : .drill,
                                                                  level: AlertLevel.allCases.randomElement(using: &random)!,
                                                                  variables: n % 5 == 4 ? [:] : variables))]
            let steps = manual.allSteps
            for _ in 0..<Int.random(in: 0...30, using: &random) {
                switch Int.random(in: 0..<10, using: &random) {
                case 0: events.append(.level(stamp(), .init(level: AlertLevel.allCases.randomElement(using: &random)!)))
                case 1: events.append(.stage(stamp(), .init(stage: DutyStage.allCases.randomElement(using: &random)!)))
                case 2: events.append(.note(stamp(), .init(step: steps.randomElement(using: &random)?.id, text: "확인")))
                case 3: events.append(.step(stamp(), .init(step: "not-in-the-manual", status: .done)))
                default:
                    guard let step = steps.randomElement(using: &random) else { continue }
                    events.append(.step(stamp(), .init(step: step.id, status: StepStatus.allCases.randomElement(using: &random)!)))
                }
            }
            if n % 4 == 3 { events.append(.closed(stamp(), summary: nil)) }
            for event in events { try store.append(event, to: .journal(incident: id)) }
            histories.append((try #require(Incident.replay(events)), manual))
        }

        // The figures: from the manuals, from the index, and the checklist's visible steps.
        let fromManuals = EffectRunner(files: StateFiles(state: directory, log: nil), manuals: parsed.manuals)
        var fromIndex = EffectRunner(files: StateFiles(state: directory, log: nil), manuals: [])
        fromIndex.use(listing: index.listing)
        let listed = fromManuals.listIncidents()
        try #require(listed.count == histories.count)
        #expect(fromIndex.listIncidents() == listed)
        for (incident, manual) in histories {
            let summary = try #require(listed.first { $0.id == incident.id })
            let visible = manual.phases.flatMap { incident.visibleSteps(of: $0) }
            #expect(summary.totalSteps == visible.count && summary.resolvedSteps == visible.filter { incident.status(of: $0.id).isResolved }.count,
                    "\(incident.id)")
        }
        // Histories that exercise the rule: some steps left out by the level, some resolved.
        let stepCounts = Dictionary(index.listing.map { ($0.id, $0.stepCount) }, uniquingKeysWith: { a, _ in a })
        #expect(listed.contains { $0.resolvedSteps > 0 && $0.totalSteps < stepCounts[$0.manualID, default: 0] })
        #expect(listed.contains { $0.firstVariable != nil })

        // The frames: Home as the TUI draws it from either, in both languages and two sizes.
        for (width, height) in [(120, 40), (80, 24)] {
            for language in [Language.ko, .en] {
                let now = opened.addingTimeInterval(3600)
                // A fixed clock: the reducer takes the time from its environment on every action.
                let fixed = Environment(now: { now }, newIncidentID: { manual, _ in "unused-\(manual)" })
                var full = AppState(manuals: parsed.manuals, operatorName: "kim", now: now, width: width, height: height, language: language)
                _ = reduce(&full, .incidentsListed(fromManuals.listIncidents()), fixed)
                var first = AppState(manuals: [], manualProblems: index.problems, operatorName: "kim", now: now,
                                     width: width, height: height, language: language)
                first.listedManuals = index.listing
                _ = reduce(&first, .incidentsListed(fromIndex.listIncidents()), fixed)
                let expected = render(full), drawn = render(first)
                let differing = zip(drawn.text.split(separator: "\n", omittingEmptySubsequences: false),
                                    expected.text.split(separator: "\n", omittingEmptySubsequences: false))
                    .enumerated().filter { $0.element.0 != $0.element.1 }
                    .map { "row \($0.offset):\n  index: \($0.element.0)\n  full:  \($0.element.1)" }
                #expect(differing.isEmpty, "\(width)x\(height) \(language):\n\(differing.joined(separator: "\n"))")
                #expect(drawn == expected, "\(width)x\(height) \(language): same text, other styles")
                let open = try #require(HomeScreen.orderedIncidents(full).first { $0.closedAt == nil })
                let title = try #require(parsed.manuals.first { $0.id == open.manualID }).title
                #expect(expected.text.contains("\(open.resolvedSteps)/\(open.totalSteps)")
                        && expected.text.contains(String((language == .ko ? title.ko : title.en).prefix(2))), "\(expected.text)")
            }
        }
    }
}
