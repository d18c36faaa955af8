import Foundation
import HaechiCore
import Testing
@testable import HaechiSender

@Suite struct SenderConfigTests {
    func errors(_ yaml: String) -> [String] {
        SenderConfig.load(data: Data(yaml.utf8), file: "s.yaml").1.map(\.description)
    }

    @Test func everyKindParses() throws {
        let (config, diagnostics) = SenderConfig.load(data: Data("""
        retry: { base: 500ms, cap: 5m, max_attempts: 10, max_age: 1h, timeout: 10s }
        concurrency: 32
        channels:
          mastodon:
            drill: { kind: mastodon, url: "https://drill.social.example/", token_file: /etc/haechi/drill.token, visibility: unlisted }
            live: { kind: mastodon, url: "https://social.example", token_env: HAECHI_MASTODON_TOKEN }
          kakao:
            live: { kind: webhook, url: "https://relay.example/hook", secret_file: /etc/haechi/hook.secret, idempotent: false }
          x:
            drill: { kind: file, path: /var/lib/haechi/drill-posts.jsonl }
          cap:
            live: { kind: cap, dir: /srv/cap/live, sender: haechi@seoul.go.kr }
        """.utf8), file: "s.yaml")
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        let c = try #require(config)
        #expect(c.retry.base == 0.5 && c.retry.cap == 300 && c.retry.maxAttempts == 10 && c.retry.timeout == 10)
        #expect(c.concurrency == 32)
        #expect(c.endpoint(channel: "mastodon", mode: .drill)?.kind == .mastodon(url: "https://drill.social.example", token: .file("/etc/haechi/drill.token"), visibility: "unlisted"))
        #expect(c.endpoint(channel: "mastodon", mode: .live)?.kind == .mastodon(url: "https://social.example", token: .environment("HAECHI_MASTODON_TOKEN"), visibility: "public"))
        #expect(c.endpoint(channel: "kakao", mode: .live)?.kind == .webhook(url: "https://relay.example/hook", secret: .file("/etc/haechi/hook.secret"), idempotent: false))
        #expect(c.endpoint(channel: "kakao", mode: .drill) == nil)
        #expect(c.endpoint(channel: "x", mode: .drill)?.kind == .file(path: "/var/lib/haechi/drill-posts.jsonl"))
        #expect(c.endpoint(channel: "cap", mode: .live)?.kind == .cap(directory: "/srv/cap/live", sender: "haechi@seoul.go.kr"))
        #expect(c.endpoint(channel: "cap", mode: .live)?.summary == "cap live /srv/cap/live")
        #expect(c.endpoint(channel: "kakao", mode: .live)?.summary == "webhook live https://relay.example", "no path: it may hold a secret")
    }

    @Test func aConfigThatCannotTellDrillFromLiveIsRefused() {
        #expect(errors("""
        channels:
          x:
            kind: file
            path: /tmp/x.jsonl
        """) == ["s.yaml:3:5: error: channel 'x' gives an endpoint without a mode; put it under 'drill:' or 'live:' so that drill and live can never be confused"])
        #expect(errors("""
        channels:
          x:
            test: { kind: file, path: /tmp/x.jsonl }
        """) == ["s.yaml:3:5: error: unknown key 'test' in channel 'x' (allowed: live, drill)"])
        #expect(errors("""
        channels:
          a:
            live: { kind: file, path: /tmp/posts.jsonl }
          b:
            drill: { kind: file, path: /tmp/posts.jsonl }
        """) == ["s.yaml:5:12: error: drill endpoint b.drill uses /tmp/posts.jsonl, which is also the live endpoint a.live (s.yaml:3:11); drill and live must never share an endpoint"])
    }

    @Test func mistakesAreReportedWhereTheyAre() {
        #expect(errors("""
        channels:
          m:
            live: { kind: mastodn, url: "https://a" }
        """) == ["s.yaml:3:19: error: m.live.kind must be one of mastodon, webhook, file, cap, x, bluesky, facebook, found 'mastodn'; did you mean 'mastodon'?"])
        #expect(errors("""
        channels:
          m:
            live: { kind: mastodon, url: "http://social.example", token_env: T }
        """) == ["s.yaml:3:34: error: m.live.url must use https (plain http is allowed only to localhost), found 'http://social.example'"])
        #expect(errors("""
        channels:
          m:
            live: { kind: webhook, url: "https://a.example", secret_file: relative.secret }
        """) == ["s.yaml:3:67: error: m.live.secret_file must be an absolute path"])
        #expect(errors("""
        channels:
          m:
            live: { kind: webhook, url: "https://a.example" }
        """) == ["s.yaml:3:11: error: m.live: a webhook endpoint needs secret_file (mode 0600) or secret_env"])
        #expect(errors("""
        channels:
          m:
            live: { kind: webhook, url: "https://bot:hunter2@a.example/x", secret_env: S }
        """) == ["s.yaml:3:33: error: m.live.url must not carry a user or password; put the credential in a token or secret file"])
        #expect(errors("""
        retry: { base: soon }
        channels: {}
        """) == ["s.yaml:1:16: error: retry.base must be a duration like 500ms, 2s, 5m or 1h"])
    }

    @Test func credentialFilesMustBePrivateAndOurs() throws {
        let fx = try Fixture()
        defer { fx.remove() }
        let good = try fx.secretFile("good", "  token-1\n")
        #expect(try Credentials.read(.file(good), environment: [:]) == "token-1")
        let loose = try fx.secretFile("loose", "token", mode: 0o640)
        #expect(throws: Credentials.Refused.self) { try Credentials.read(.file(loose), environment: [:]) }
        #expect(throws: Credentials.Refused.self) { try Credentials.read(.file(good), environment: [:], uid: getuid() + 1) }
        #expect(throws: Credentials.Refused.self) { try Credentials.read(.file(fx.dir + "/missing"), environment: [:]) }
        #expect(try Credentials.read(.environment("T"), environment: ["T": "abc"]) == "abc")
        #expect(throws: Credentials.Refused.self) { try Credentials.read(.environment("T"), environment: [:]) }
        do {
            _ = try Credentials.read(.file(loose), environment: [:])
        } catch {
            #expect("\(error)" == "credential file \(loose) has mode 640; other users can read it: chmod 600 \(loose)")
        }
    }
}
