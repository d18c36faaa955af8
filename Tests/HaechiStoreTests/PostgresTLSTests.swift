import Foundation
import HaechiCore
import HaechiTestSupport
import PostgresNIO
import Testing
@testable import HaechiStore

/// `postgresql://…?sslmode=require|verify-full`: against a throwaway server with `ssl = on` and
/// a certificate this test makes with openssl, the connection is encrypted; against a server
/// without TLS, a URL that asks for it fails, saying so, instead of talking in plain text.
@Suite(.ownThread, .serialized) struct PostgresTLSTests {
    /// A second throwaway server, this one with TLS, and the directory of its certificates.
    static let server: Result<(PostgresScratch, String), any Error> = Result {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let files = try PostgresScratch.makeCertificates(in: dir)
        return (try PostgresScratch.start(tls: files), dir)
    }

    static func fresh(_ tls: PostgresAddress.TLSMode, root: String? = nil) throws -> PostgresAddress {
        let (server, _) = try server.get()
        var address = try server.createDatabase()
        address.tls = tls
        address.rootCertificate = root
        return address
    }

    /// What the server says about this very connection.
    static func encrypted(_ store: PostgresStore) throws -> Bool {
        try store.withConnection { c in
            try #require(try store.run(c, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first).decode(Bool.self)
        }
    }

    @Test func sslmodeRequireConnectsOverTLS() throws {
        let address = try Self.fresh(.require)
        let url = address.description
        #expect(url.contains("sslmode=require"))
        // Through the URL, as a command gets it.
        let store = try PostgresStore(try PostgresAddress(url: url), checkSchema: false)
        #expect(try Self.encrypted(store))
        try PostgresSchema.migrate(store)
        try store.append(OutboxRecord.message(StoreTests.message("m-1")), to: .outbox)
        #expect(try store.readAll(OutboxRecord.self, .outbox).records.map(\.messageID) == ["m-1"])
        // The same server without TLS in the URL: plain text, so the test above measured something.
        var plain = address
        plain.tls = .disable
        #expect(try Self.encrypted(PostgresStore(plain)) == false)
    }

    @Test func verifyFullChecksTheCertificateAgainstTheGivenAuthority() throws {
        let (_, dir) = try Self.server.get()
        let address = try Self.fresh(.verifyFull, root: dir + "/ca.crt")
        let store = try PostgresStore(try PostgresAddress(url: address.description), checkSchema: false)
        #expect(try Self.encrypted(store))
        // An authority that did not sign the server's certificate: refused, and said why.
        let other = dir + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let stranger = try PostgresScratch.makeCertificates(in: other, authorityName: "Someone else")
        var wrong = address
        wrong.rootCertificate = stranger.authority
        let refused = #expect(throws: StoreError.self) { try PostgresStore(wrong, checkSchema: false) }
        let text = refused?.description ?? ""
        #expect(text.contains("certificate could not be verified against \(stranger.authority)") && text.contains("\(wrong.port)"), "\(text)")
        #expect(refused?.unreachable == false, "a wrong certificate is not an outage to spool through")
    }

    @Test func aURLAskingForTLSFailsClearlyAgainstAServerWithout() throws {
        // The suite's plain server: no ssl.
        var address = try TestDatabase.fresh()
        address.tls = .require
        let refused = #expect(throws: StoreError.self) { try PostgresStore(address) }
        let text = refused?.description ?? ""
        #expect(text.contains("does not offer TLS") && text.contains("not connecting without TLS"), "\(text)")
        #expect(!text.contains(try TestDatabase.server.get().password))
    }
}
