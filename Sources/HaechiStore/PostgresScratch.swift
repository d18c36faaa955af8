#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A throwaway PostgreSQL 15 server for tests and benchmarks: `initdb` into a temporary
/// directory, started on a free loopback port with its unix socket in that directory, stopped
/// and removed at the end (and at process exit, whatever the tests did).
///
/// PostgreSQL refuses to run as root, so when we are root the server's directory is given to
/// the `postgres` user and `initdb`/`pg_ctl` run as that user through `runuser`.
public final class PostgresScratch: Sendable {
    public let directory: String
    public let port: Int
    public let user = "haechi"
    public let password: String
    private let runAsPostgres: Bool
    private let stopped = Mutex(false)

    public var dataDirectory: String { directory + "/data" }
    /// A 0600 file holding the superuser's password, owned by us (for `?passwordfile=`).
    public var passwordFile: String { directory + "/client.pass" }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static let binaries = "/usr/lib/postgresql/15/bin"

    /// True when the PostgreSQL 15 server binaries are installed.
    public static var available: Bool { FileManager.default.isExecutableFile(atPath: binaries + "/initdb") }

    /// A server certificate and its key (PEM files), for a server that offers TLS.
    public struct TLSFiles: Sendable {
        public var certificate: String
        public var key: String
        /// The certificate authority that signed `certificate` (for `sslrootcert`).
        public var authority: String
        public init(certificate: String, key: String, authority: String) {
            self.certificate = certificate; self.key = key; self.authority = authority
        }
    }

    /// With `tls`, the server runs with `ssl = on` and that certificate (copied into its own
    /// directory, owned by the server's user with mode 0600, as PostgreSQL insists).
    public let tls: TLSFiles?

    /// Starts a new server. Throws with the server's own words when it cannot.
    public static func start(tls: TLSFiles? = nil) throws -> PostgresScratch {
        guard available else {
            throw Failure(description: "PostgreSQL 15 is not installed (\(binaries)/initdb missing): apt-get install postgresql-15")
        }
        var lastError: (any Error)?
        // A free port can be taken by someone else between our probe and the server's bind.
        for _ in 0..<5 {
            do { return try PostgresScratch(tls: tls) } catch { lastError = error }
        }
        throw lastError!
    }

    private init(tls: TLSFiles?) throws {
        self.tls = tls
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("haechi-pg-\(getpid())-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        directory = root
        runAsPostgres = getuid() == 0
        password = UUID().uuidString
        port = try Self.freePort()
        do {
            try setUp()
        } catch {
            try? FileManager.default.removeItem(atPath: root)
            throw error
        }
        Self.running.withLock { $0.append(self) }
        Self.stopAtExit()
    }

    private func setUp() throws {
        let serverPass = directory + "/server.pass"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: serverPass))
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        chmod(passwordFile, 0o600)
        chmod(serverPass, 0o600)
        if runAsPostgres {
            guard let pw = getpwnam("postgres") else { throw Failure(description: "running as root, but there is no postgres user to run the server as") }
            chown(directory, pw.pointee.pw_uid, pw.pointee.pw_gid)
            chown(serverPass, pw.pointee.pw_uid, pw.pointee.pw_gid)
            chmod(directory, 0o755)
        }
        if let tls {
            for (from, to) in [(tls.certificate, "server.crt"), (tls.key, "server.key")] {
                let target = directory + "/" + to
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: from, toPath: target)
                chmod(target, 0o600)
                if runAsPostgres, let pw = getpwnam("postgres") { chown(target, pw.pointee.pw_uid, pw.pointee.pw_gid) }
            }
        }
        // Local (socket) connections trust, TCP needs the password: tests go over TCP like seats.
        try server(["initdb", "-D", dataDirectory, "-U", user, "--pwfile=" + serverPass, "-E", "UTF8", "--locale=C.UTF-8",
                    "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"])
        try startServer()
    }

    /// `pg_ctl start`, waiting until it accepts connections.
    public func startServer() throws {
        var options = "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c max_connections=200 -c synchronous_commit=on -c fsync=on"
        if tls != nil {
            options += " -c ssl=on -c ssl_cert_file=\(directory)/server.crt -c ssl_key_file=\(directory)/server.key"
        }
        try server(["pg_ctl", "-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60", "-o", options, "start"])
    }

    /// `pg_ctl stop -m fast` (the database is unreachable until `startServer`).
    public func stopServer() throws {
        try server(["pg_ctl", "-D", dataDirectory, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// `pg_ctl restart -m immediate`: the server dies without a checkpoint, as on a power cut,
    /// and recovers from its WAL.
    public func restartImmediately() throws {
        try server(["pg_ctl", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "60", "restart"])
    }

    /// A new empty database, as a store address for the superuser over TCP with the password file.
    public func createDatabase(_ name: String = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()) throws -> PostgresAddress {
        try sql("CREATE DATABASE \(name)", database: "postgres")
        return address(database: name)
    }

    public func address(database: String, user: String? = nil, passwordFile: String? = nil) -> PostgresAddress {
        PostgresAddress(user: user ?? self.user, host: "127.0.0.1", port: port, database: database,
                        passwordFile: passwordFile ?? self.passwordFile)
    }

    /// Runs SQL through psql on the server's socket (trusted), returning its unaligned output.
    @discardableResult
    public func sql(_ statement: String, database: String) throws -> String {
        try run(Self.binaries + "/psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", directory, "-p", "\(port)", "-U", user,
                                          "-d", database, "-c", statement], asPostgres: runAsPostgres)
    }

    /// Stops the server and removes its directory.
    public func stop() {
        let first = stopped.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        _ = try? server(["pg_ctl", "-D", dataDirectory, "-m", "immediate", "-w", "-t", "30", "stop"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    public var serverLog: String { (try? String(contentsOfFile: directory + "/server.log", encoding: .utf8)) ?? "" }

    private func server(_ arguments: [String]) throws {
        _ = try run(Self.binaries + "/" + arguments[0], Array(arguments.dropFirst()), asPostgres: runAsPostgres)
    }

    /// posix_spawn and waitpid, not Foundation's Process: its termination monitoring missed
    /// runuser's exit inside the test runner and waited forever. Output goes to a file, since
    /// the server started by pg_ctl must not keep a pipe of ours open.
    private func run(_ program: String, _ arguments: [String], asPostgres: Bool) throws -> String {
        let command = (asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", program] : [program]) + arguments
        do {
            return try Self.spawn(command, in: directory)
        } catch let failure as Failure {
            throw Failure(description: failure.description + "\n" + serverLog.suffix(2000))
        }
    }

    /// A certificate authority and a server certificate it signed for 127.0.0.1 and localhost,
    /// made with `openssl` in `directory` (EC P-256 keys: quick to make). For tests of TLS.
    public static func makeCertificates(in directory: String, authorityName: String = "Haechi test CA") throws -> TLSFiles {
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try Data("subjectAltName = IP:127.0.0.1, DNS:localhost\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: directory + "/server.ext"))
        _ = try spawn(["openssl", "req", "-x509"] + ec + ["-days", "2", "-subj", "/CN=\(authorityName)", "-keyout", "ca.key", "-out", "ca.crt",
                       "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: directory)
        _ = try spawn(["openssl", "req"] + ec + ["-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr"], in: directory)
        _ = try spawn(["openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                       "-days", "2", "-extfile", "server.ext", "-out", "server.crt"], in: directory)
        return TLSFiles(certificate: directory + "/server.crt", key: directory + "/server.key", authority: directory + "/ca.crt")
    }

    /// Marks every open descriptor above stderr close-on-exec, so no child started after this
    /// inherits one. Only exec is affected: the descriptors stay open in this process, and a
    /// child that is meant to have one gets it through dup2, which clears the flag on the copy.
    /// Public for the tests' tmux servers, which outlive their command just as a database does.
    public static func closeOnExecAboveStandardError() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return }
        for name in names {
            guard let fd = Int32(name), fd > 2 else { continue }
            let flags = fcntl(fd, F_GETFD)
            if flags >= 0 { _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
        }
    }

    private static func spawn(_ command: [String], in directory: String) throws -> String {
        let program = command[0]
        let arguments = Array(command.dropFirst())
        // The postgres user may not be allowed into our working directory: start in the server's.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + command
        let outPath = directory + "/command.out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of ours: a server started by pg_ctl lives on, and any pipe it inherited
        // from a test running beside this one (a child's output being read to its end) would
        // never reach end of file. A full test run hung exactly so, reading CAP validation output.
        // (glibc's posix_spawn_file_actions_addclosefrom_np is not visible from Swift here.)
        Self.closeOnExecAboveStandardError()
        var environment = ProcessInfo.processInfo.environment
        environment["LC_ALL"] = "C.UTF-8"
        environment["PGPASSWORD"] = nil
        let envp = environment.map { "\($0)=\($1)" }
        var pid: pid_t = 0
        let spawned = withCStrings(argv) { cargv in
            withCStrings(envp) { cenvp in posix_spawn(&pid, "/bin/sh", &actions, nil, cargv, cenvp) }
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(program): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Failure(description: "waitpid: \(String(cString: strerror(errno)))") }
        }
        let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw Failure(description: "\((program as NSString).lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(status)): \(text)")
        }
        return text
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0 }
        }
        guard bound else { throw Failure(description: "bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    // MARK: Stopped at exit

    private static let running = Mutex<[PostgresScratch]>([])
    private static let atExitRegistered = Mutex(false)

    private static func stopAtExit() {
        let first = atExitRegistered.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first {
            atexit {
                let servers = PostgresScratch.running.withLock { list -> [PostgresScratch] in
                    defer { list = [] }
                    return list
                }
                for s in servers { s.stop() }
            }
        }
    }
}

/// NUL-terminated C strings for argv/envp, valid during `body`.
private func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for p in pointers { free(p) } }
    return body(pointers)
}
