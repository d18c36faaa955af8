import Foundation
import Testing
import HaechiCore

/// Renders the HTML report of the recorded live incident in headless Chromium and checks that a
/// real picture came out. Skipped, with the reason in the test output, where Chromium is not
/// installed (`apt-get install -y chromium`). Set HAECHI_SCREENSHOT=path to keep the PNG.
/// Part of the serialized fixture suite, so it never reads the fixtures while they are re-recorded.
extension ReportFixtureTests {
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"] {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    @Test(.enabled(if: Self.chromium != nil, "Chromium is not installed (apt-get install -y chromium); no screenshot taken"),
          .timeLimit(.minutes(10)))
    func htmlReportRendersInHeadlessChromium() throws {
        let dir = Binaries.temporaryDirectory("shot")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let html = dir + "/report.html"
        let made = try Binaries.run("haechi", ["report", ReportRecording.liveID, "--state", ReportRecording.directory,
                                               "--manuals", Binaries.bundledManuals, "--format", "html", "--output", html])
        #expect(made.status == 0, "\(made.stderr)")

        let png = ProcessInfo.processInfo.environment["HAECHI_SCREENSHOT"] ?? dir + "/report.png"
        // --no-sandbox: test machines run as root, where Chromium's sandbox refuses to start.
        // Through Binaries.run (posix_spawn, output to files, waitpid) like every other child.
        let shot = try Binaries.run(executable: Self.chromium!,
                                    ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                     "--user-data-dir=\(dir)/profile", "--window-size=1200,1600",
                                     "--screenshot=\(png)", URL(fileURLWithPath: html).absoluteString])
        #expect(shot.status == 0, "\(shot.stderr.suffix(2000))")

        let data = try Data(contentsOf: URL(fileURLWithPath: png))
        #expect(data.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "not a PNG")
        // IHDR: width and height, big-endian, at bytes 16–23.
        let width = data[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = data[20..<24].reduce(0) { $0 << 8 | Int($1) }
        #expect(width == 1200 && height == 1600)
        // A blank or error page compresses to a few KiB; the report with its chart and tables is far more.
        #expect(data.count > 60_000, "PNG is only \(data.count) bytes: probably an empty page")
    }
}
