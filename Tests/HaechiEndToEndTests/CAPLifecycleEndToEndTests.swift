import CAPSchemaCheck
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import HaechiTestSupport
import Testing

/// The public-alert lifecycle through the real binaries: `haechi outbox add` queues, the real
/// `haechi-sender` writes CAP documents and the Atom index through its `cap` endpoint, and the
/// feed is read after every step. Every document is validated against the OASIS CAP 1.2 XSD.
@Suite(.serialized, .ownThread) struct CAPLifecycleEndToEndTests {
    struct Desk {
        let dir = Binaries.temporaryDirectory("cap-e2e")
        var state: String { dir + "/state" }
        var config: String { dir + "/sender.yaml" }
        func capDir(_ mode: String) -> String { dir + "/cap-\(mode)" }

        init() throws {
            let yaml = """
            channels:
              cap:
                drill: { kind: cap, dir: \(dir)/cap-drill, sender: haechi@seoul.go.kr, base_url: "https://alerts.example/cap-drill" }
                live:  { kind: cap, dir: \(dir)/cap-live, sender: haechi@seoul.go.kr, sender_name: {ko: 서울특별시 재난안전대책본부, en: Seoul Disaster HQ} }
              x:
                drill: { kind: file, path: \(dir)/x-drill.jsonl }
                live:  { kind: file, path: \(dir)/x-live.jsonl }
            """
            try yaml.write(toFile: config, atomically: true, encoding: .utf8)
        }

        /// `haechi outbox add …`; the new id.
        func add(_ args: [String]) throws -> String {
            let r = try Binaries.run("haechi", ["outbox", "add", "--state", state, "--manuals", Binaries.bundledManuals, "--operator", "kim"] + args)
            #expect(r.status == 0, "add \(args) failed: \(r.stderr)")
            let id = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.hasPrefix("m-"), "\(r.stdout)\n\(r.stderr)")
            return id
        }

        /// One real sender run that drains what is queued.
        func send() throws {
            let r = try Binaries.run("haechi-sender", ["--state", state, "--config", config, "--manuals", Binaries.bundledManuals, "--once"])
            #expect(r.status == 0, "sender failed: \(r.stderr)")
        }

        /// The document of a message, checked against the CAP 1.2 schema.
        func document(_ mode: String, _ id: String) throws -> String {
            let xml = try String(contentsOfFile: capDir(mode) + "/\(id).xml", encoding: .utf8)
            #expect(try CAPSchema.problems(xml) == [])
            return xml
        }

        /// The feed's entries, as the ids in their links.
        func feed(_ mode: String) throws -> [String] {
            let atom = try String(contentsOfFile: capDir(mode) + "/index.atom", encoding: .utf8)
            #expect(XMLParser(data: Data(atom.utf8)).parse(), "index.atom is not well-formed:\n\(atom)")
            return atom.components(separatedBy: "type=\"application/cap+xml\" href=\"").dropFirst().map { chunk in
                let file = String(chunk.prefix { $0 != "\"" })
                return ((file as NSString).lastPathComponent as NSString).deletingPathExtension
            }
        }

        func value(_ element: String, in xml: String) -> [String] {
            xml.components(separatedBy: "<\(element)>").dropFirst().map { String($0.prefix { $0 != "<" }) }
        }
    }

    @Test func alertThenUpdateThenCancelInADrill() throws {
        let desk = try Desk()
        defer { try? FileManager.default.removeItem(atPath: desk.dir) }
        let common = ["--mode", "drill", "--incident", "drill-e2e", "--manual", "heavy-snow", "--district", "은평구",
                      "--var", "location=북악산로", "--channel", "cap", "--channel", "x"]

        // 1. The alert: its document and one feed entry.
        let alert = try desk.add(common + ["--step", "HS-07", "--level", "경계"])
        try desk.send()
        let a = try desk.document("drill", alert)
        #expect(desk.value("msgType", in: a) == ["Alert"])
        #expect(desk.value("status", in: a) == ["Exercise"])
        #expect(desk.value("category", in: a) == ["Met", "Met"])
        #expect(desk.value("event", in: a) == ["대설경보", "Heavy-snow warning"])
        #expect(desk.value("responseType", in: a) == ["Prepare", "Prepare"])
        #expect(desk.value("headline", in: a) == ["[훈련] [서울시] 대설경보 · 은평구", "[DRILL] [Seoul] Heavy-snow warning · 은평구"])
        #expect(desk.value("value", in: a).first == "1138000000")
        #expect(try desk.feed("drill") == [alert])

        // 2. The one-key correction: an Update referencing the alert, which leaves the feed.
        let update = try desk.add(["--mode", "drill", "--corrects", alert, "--text", "[정정] 북악산로 통제는 은평구 구간만입니다.",
                                   "--text-en", "[CORRECTION] Only the Eunpyeong section of Bukak-san-ro is closed.", "--operator", "kim"])
        try desk.send()
        let u = try desk.document("drill", update)
        #expect(desk.value("msgType", in: u) == ["Update"])
        let sent = try #require(desk.value("sent", in: a).first)
        #expect(desk.value("references", in: u) == ["haechi@seoul.go.kr,\(alert),\(sent)"])
        #expect(try desk.feed("drill") == [update])

        // 3. Cancel: the posted update cannot just be cancelled; its cancel notice is queued.
        let refused = try Binaries.run("haechi", ["outbox", "cancel", update, "--state", desk.state, "--manuals", Binaries.bundledManuals])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("haechi outbox add --cancels \(update)"))
        let cancel = try desk.add(["--mode", "drill", "--cancels", update])
        try desk.send()
        let c = try desk.document("drill", cancel)
        #expect(desk.value("msgType", in: c) == ["Cancel"])
        #expect(desk.value("references", in: c) == ["haechi@seoul.go.kr,\(update),\(try #require(desk.value("sent", in: u).first))"])
        #expect(try desk.feed("drill") == [], "the cancelled update is gone from the feed")
        // On X, the same notice as a short post in each language.
        let posts = try String(contentsOfFile: desk.dir + "/x-drill.jsonl", encoding: .utf8)
        #expect(posts.contains("[훈련] [취소]") && posts.contains("[DRILL] [CANCELLED]"))

        // The CLI renders the very document the sender wrote: one renderer.
        let cli = try Binaries.run("haechi", ["outbox", "cap", cancel, "--state", desk.state, "--sender", "haechi@seoul.go.kr"])
        #expect(cli.status == 0)
        #expect(cli.stdout == c)
    }

    @Test func alertThenAllClearLive() throws {
        let desk = try Desk()
        defer { try? FileManager.default.removeItem(atPath: desk.dir) }
        let common = ["--mode", "live", "--confirm-live", "은평구", "--incident", "live-e2e", "--manual", "heavy-snow",
                      "--district", "은평구", "--var", "location=북악산로", "--channel", "cap", "--channel", "x"]
        let first = try desk.add(common + ["--step", "HS-07", "--level", "경계"])
        let second = try desk.add(common + ["--kind", "info", "--text", "[서울시] 제설 작업 중입니다.", "--text-en", "[Seoul] Snow clearing under way.",
                                            "--allow-repeat"])
        try desk.send()
        let f = try desk.document("live", first)
        #expect(desk.value("status", in: f) == ["Actual"])
        #expect(desk.value("senderName", in: f) == ["서울특별시 재난안전대책본부", "Seoul Disaster HQ"])
        let s = try desk.document("live", second)
        #expect(desk.value("event", in: s) == ["대설", "Heavy snow"], "a free-form message gets its manual's mapping")
        #expect(Set(try desk.feed("live")) == [first, second])

        let clear = try desk.add(common + ["--all-clear"])
        try desk.send()
        let all = try desk.document("live", clear)
        #expect(desk.value("msgType", in: all) == ["Update"])
        #expect(desk.value("responseType", in: all) == ["AllClear", "AllClear"])
        #expect(desk.value("urgency", in: all) == ["Past", "Past"])
        let refs = try #require(desk.value("references", in: all).first).split(separator: " ").map { $0.split(separator: ",")[1] }
        #expect(Set(refs.map(String.init)) == [first, second])
        #expect(try desk.feed("live") == [clear], "the all-clear supersedes both alerts and stays until it expires")
    }
}
