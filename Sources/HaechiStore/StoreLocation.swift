import Foundation
import HaechiCore

/// Where a command keeps its records: `--store URL`, else `$HAECHI_STORE`, else the files of the
/// state directory. `postgresql://…` (or `postgres://…`) selects PostgreSQL; a directory, or
/// nothing, selects the files as before.
public enum StoreAddress: Sendable, CustomStringConvertible {
    case files(StateDirectory)
    case postgres(PostgresAddress)

    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    /// - Parameters:
    ///   - store: `--store`, if given.
    ///   - state: the resolved state directory: the store itself for files, and for a database
    ///     the local place for the log and the offline spool.
    public static func resolve(_ store: String?, state: StateDirectory,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> StoreAddress {
        let text = [store, environment["HAECHI_STORE"]].compactMap { $0 }.first { !$0.isEmpty }
        guard let text else { return .files(state) }
        if text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") {
            return .postgres(try PostgresAddress(url: text))
        }
        if text.contains("://") {
            throw Invalid("--store: '\(PostgresAddress.redact(text))' is neither a directory nor a postgresql:// URL")
        }
        return .files(StateDirectory(path: text))
    }

    public var description: String {
        switch self {
        case .files(let dir): dir.path
        case .postgres(let address): address.description
        }
    }
}

/// A PostgreSQL server and database, from a URL:
/// `postgresql://USER@HOST:PORT/DB?sslmode=require&sslrootcert=FILE&passwordfile=FILE`.
/// The password comes from `passwordfile` (mode 0600, ours) or `$HAECHI_STORE_PASSWORD`, never
/// from the URL: a URL shows in `ps`, shell history and logs. `description` never holds it.
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS (loopback or a unix socket).
        case disable
        /// Encrypt, but do not check the server's certificate (like libpq's `require`).
        case require
        /// Encrypt and check the certificate and the host name (against `sslrootcert` if given).
        case verifyFull = "verify-full"
    }

    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    public var rootCertificate: String?
    public var passwordFile: String?

    public init(user: String, host: String, port: Int, database: String, tls: TLSMode = .disable,
                rootCertificate: String? = nil, passwordFile: String? = nil) {
        self.user = user; self.host = host; self.port = port; self.database = database; self.tls = tls
        self.rootCertificate = rootCertificate; self.passwordFile = passwordFile
    }

    public init(url text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
              scheme == "postgresql" || scheme == "postgres" else {
            throw StoreAddress.Invalid("'\(Self.redact(text))' is not a postgresql:// URL")
        }
        if components.password != nil {
            throw StoreAddress.Invalid("the store URL holds a password: it would show in ps, shell history and logs; put it in a 0600 file (?passwordfile=FILE) or $HAECHI_STORE_PASSWORD instead")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StoreAddress.Invalid("'\(Self.redact(text))': name the database user (postgresql://USER@HOST/DB)")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else {
            throw StoreAddress.Invalid("'\(Self.redact(text))': name the database (postgresql://USER@HOST/DB)")
        }
        self.user = user.removingPercentEncoding ?? user
        self.host = components.host.flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
        self.port = components.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
        tls = .disable
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                switch value {
                case "disable": tls = .disable
                case "require": tls = .require
                case "verify-full": tls = .verifyFull
                default:
                    throw StoreAddress.Invalid("sslmode=\(value) is not supported: use disable, require or verify-full")
                }
            case "sslrootcert": rootCertificate = value
            case "passwordfile": passwordFile = value
            default:
                throw StoreAddress.Invalid("unknown store URL parameter '\(item.name)' (known: sslmode, sslrootcert, passwordfile)")
            }
        }
    }

    /// The password, or nil when neither the file nor the environment gives one (trust or peer
    /// authentication).
    public func password(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let passwordFile { return try SecretFile.read(passwordFile, what: "database password file") }
        if let env = environment["HAECHI_STORE_PASSWORD"], !env.isEmpty { return env }
        return nil
    }

    public var description: String {
        var s = "postgresql://\(user)@\(host):\(port)/\(database)"
        var query: [String] = []
        if tls != .disable { query.append("sslmode=\(tls.rawValue)") }
        if let rootCertificate { query.append("sslrootcert=\(rootCertificate)") }
        if let passwordFile { query.append("passwordfile=\(passwordFile)") }
        if !query.isEmpty { s += "?" + query.joined(separator: "&") }
        return s
    }

    /// A URL as given, with any password replaced, for error messages.
    public static func redact(_ text: String) -> String {
        guard var c = URLComponents(string: text), c.password != nil else { return text }
        c.password = "***"
        return c.string ?? "(a URL with a password)"
    }
}
