import Foundation

/// Finds the package's built executables and runs them, for tests that exercise the real
/// binaries. `swift test` builds every product before running tests, into the same folder as
/// the test bundle, so that folder is where `haechi` and `haechi-sender` are.
enum Binaries {
    static let directory: String = {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            Bundle.main.bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
        ]
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.appendingPathComponent("haechi").path) {
            return c.path
        }
        // Fall back to the default build folder of this checkout.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static var bundledManuals: String { repositoryRoot + "/manuals" }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a product binary to completion with arguments, optional stdin and extra environment.
    @discardableResult
    static func run(_ name: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    currentDirectory: String? = nil) throws -> Result {
        try run(executable: path(name), arguments, stdin: stdin, environment: environment, currentDirectory: currentDirectory)
    }

    /// Runs any executable by absolute path, in a UTF-8 locale.
    @discardableResult
    static func run(executable: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
                    currentDirectory: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["LANG"] = "C.UTF-8"
        env["LC_ALL"] = "C.UTF-8"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so a chatty child cannot block on a full pipe.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }

    static func temporaryDirectory(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "haechi-\(label)-\(UUID().uuidString.prefix(8))"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
