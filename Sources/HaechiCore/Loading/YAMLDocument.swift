import Foundation
import Yams

/// A YAML file parsed into a node tree, plus a diagnostics collector that knows where every
/// node came from. The loaders of manuals, channel profiles, scenarios and the sender config
/// are written against this, so every problem comes out as `file:line:col: error: …`.
///
/// It never throws and never traps on bad input: empty, binary, huge, deeply nested or
/// truncated files all end up as one located diagnostic.
public final class YAMLDocument {
    public let file: String
    public let text: String
    public let root: Node?
    public private(set) var diagnostics: [Diagnostic] = []

    /// Files beyond this are refused: a manual is a few tens of kilobytes.
    public static let maximumBytes = 4 << 20
    /// Bounds the walk over nodes so that alias bombs ("billion laughs") cannot hang the loader.
    public static let maximumNodes = 200_000
    private var visited = 0
    private var exhausted = false

    /// Reads and parses a file. A missing or unreadable file is a diagnostic at 1:1.
    public convenience init(path: String, displayPath: String? = nil) {
        let shown = displayPath ?? path
        guard let data = FileManager.default.contents(atPath: path) else {
            self.init(file: shown, failure: "cannot read file")
            return
        }
        self.init(data: data, file: shown)
    }

    private init(file: String, failure: String) {
        self.file = file; text = ""; root = nil
        diagnostics = [Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, failure)]
    }

    public init(data: Data, file: String) {
        self.file = file
        var problems: [Diagnostic] = []
        var parsed: Node? = nil
        var decoded = ""
        if data.count > YAMLDocument.maximumBytes {
            problems.append(Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error,
                                       "file is \(data.count) bytes; the limit is \(YAMLDocument.maximumBytes)"))
        } else if let valid = String(validating: data, as: UTF8.self) {
            // Validated once: the text is the bytes as they are (no repair needed).
            decoded = valid
            // A NUL is rare: look for the byte first, and walk for its line and column only when there is one.
            if YAMLDocument.containsNUL(data), let nul = YAMLDocument.locate(decoded, where: { $0.value == 0 }) {
                problems.append(Diagnostic(SourceLocation(file: file, line: nul.line, column: nul.column), .error,
                                           "NUL byte: this looks like a binary file, not YAML"))
            } else {
                do {
                    // The basic resolver: every scalar stays a string (we check types ourselves), and it skips
                    // the regular expressions the default resolver runs on every scalar.
                    // UTF-8 named here: Yams' default encoding reads the whole process environment
                    // on every parse (a YAMS_DEFAULT_ENCODING override, announced on stdout).
                    parsed = try Yams.compose(yaml: decoded, .basic, .default, .utf8)
                    if parsed == nil {
                        problems.append(Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "file is empty"))
                    }
                } catch let error as YamlError {
                    problems.append(YAMLDocument.diagnostic(for: error, text: decoded, file: file))
                } catch {
                    problems.append(Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "cannot parse YAML: \(error)"))
                }
            }
        } else if let bad = YAMLDocument.firstInvalidUTF8(data) {
            problems.append(Diagnostic(bad.location(file: file), .error, "not UTF-8 text (invalid byte 0x\(String(bad.byte, radix: 16, uppercase: true)))"))
        }
        text = decoded
        root = parsed
        diagnostics = problems
    }

    // MARK: Reporting

    public func location(_ node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    public func error(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(location(node), .error, message))
    }

    public func error(at location: SourceLocation, _ message: String) {
        diagnostics.append(Diagnostic(location, .error, message))
    }

    public func warning(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(location(node), .warning, message))
    }

    /// The exact place of `needle` inside the source of a scalar, for messages about part of a text
    /// (a placeholder, a control character). Falls back to the scalar's own position.
    public func location(of needle: String, in node: Node) -> SourceLocation {
        guard let mark = node.mark, !needle.isEmpty else { return location(node) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var lineIndex = mark.line - 1
        var startColumn = mark.column - 1
        while lineIndex < lines.count && lineIndex < mark.line + 400 {
            let scalars = Array(lines[lineIndex].unicodeScalars)
            let needleScalars = Array(needle.unicodeScalars)
            if scalars.count >= needleScalars.count && startColumn <= scalars.count - needleScalars.count {
                for i in startColumn...(scalars.count - needleScalars.count)
                where Array(scalars[i..<(i + needleScalars.count)]) == needleScalars {
                    return SourceLocation(file: file, line: lineIndex + 1, column: i + 1)
                }
            }
            lineIndex += 1
            startColumn = 0
        }
        return location(node)
    }

    // MARK: Typed access, each reporting what is wrong where

    /// Counts a node visit; false once the document is too big to walk (alias bombs).
    func visit(_ node: Node) -> Bool {
        visited += 1
        if visited > YAMLDocument.maximumNodes {
            if !exhausted {
                exhausted = true
                error(node, "document has more than \(YAMLDocument.maximumNodes) nodes (anchors and aliases expanded); giving up")
            }
            return false
        }
        return true
    }

    /// A mapping's entries by key, with unknown keys (and a did-you-mean) and missing required keys reported.
    public func mapping(_ node: Node, what: String, keys allowed: [String], required: [String] = []) -> [String: Node]? {
        guard visit(node) else { return nil }
        guard case .mapping(let mapping) = node else {
            error(node, "\(what) must be a mapping (key: value), found \(describe(node))")
            return nil
        }
        var result: [String: Node] = [:]
        result.reserveCapacity(mapping.count)
        // By index: iterating a Yams mapping directly copies all its pairs into a new array first.
        for index in mapping.startIndex..<mapping.endIndex {
            let (keyNode, value) = mapping[index]
            guard case .scalar(let key) = keyNode else {
                error(keyNode, "keys in \(what) must be plain words, found \(describe(keyNode))")
                continue
            }
            if !allowed.contains(key.string) {
                var message = "unknown key '\(printable(key.string))' in \(what)"
                if let suggestion = YAMLDocument.closest(to: key.string, in: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += " (allowed: \(allowed.joined(separator: ", ")))"
                }
                error(keyNode, message)
                continue
            }
            result[key.string] = value
        }
        for key in required where result[key] == nil {
            error(node, "\(what) is missing required key '\(key)'")
        }
        return result
    }

    public func sequence(_ node: Node, what: String) -> [Node]? {
        guard visit(node) else { return nil }
        guard case .sequence(let seq) = node else {
            error(node, "\(what) must be a list, found \(describe(node))")
            return nil
        }
        return Array(seq)
    }

    /// A scalar as text, with control characters and escape sequences refused.
    public func string(_ node: Node, what: String, allowEmpty: Bool = false, multiline: Bool = false) -> String? {
        guard visit(node) else { return nil }
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be text, found \(describe(node))")
            return nil
        }
        let value = NFC.normalize(scalar.string)
        if !allowEmpty && YAMLDocument.isBlank(value) {
            error(node, "\(what) is empty")
            return nil
        }
        if let bad = value.unicodeScalars.first(where: { YAMLDocument.isForbidden($0, multiline: multiline) }) {
            error(node, "\(what) contains \(YAMLDocument.name(of: bad)); control characters and escape sequences are not allowed in text")
            return nil
        }
        return value
    }

    public func int(_ node: Node, what: String, range: ClosedRange<Int>) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(Trimming.whitespace(scalar.string)) else {
            error(node, "\(what) must be a whole number, found \(describe(node))")
            return nil
        }
        guard range.contains(value) else {
            error(node, "\(what) must be between \(range.lowerBound) and \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    public func bool(_ node: Node, what: String) -> Bool? {
        if case .scalar(let scalar) = node {
            switch scalar.string.lowercased() {
            case "true", "yes": return true
            case "false", "no": return false
            default: break
            }
        }
        error(node, "\(what) must be true or false, found \(describe(node))")
        return nil
    }

    /// One of a fixed set of words.
    public func word(_ node: Node, what: String, allowed: [String]) -> String? {
        guard case .scalar(let scalar) = node else {
            error(node, "\(what) must be one of \(allowed.joined(separator: ", ")), found \(describe(node))")
            return nil
        }
        guard allowed.contains(scalar.string) else {
            var message = "\(what) must be one of \(allowed.joined(separator: ", ")), found '\(printable(scalar.string))'"
            if let suggestion = YAMLDocument.closest(to: scalar.string, in: allowed) { message += "; did you mean '\(suggestion)'?" }
            error(node, message)
            return nil
        }
        return scalar.string
    }

    /// `{ko: …, en: …}` with both languages present and non-empty (unless `allowEmpty`).
    public func localized(_ node: Node, what: String, allowEmpty: Bool = false, multiline: Bool = false) -> Localized? {
        guard let map = mapping(node, what: what, keys: ["ko", "en"], required: allowEmpty ? [] : ["ko", "en"]) else { return nil }
        let ko = map["ko"].flatMap { string($0, what: "\(what).ko", allowEmpty: allowEmpty, multiline: multiline) }
        let en = map["en"].flatMap { string($0, what: "\(what).en", allowEmpty: allowEmpty, multiline: multiline) }
        if allowEmpty {
            if (map["ko"] != nil && ko == nil) || (map["en"] != nil && en == nil) { return nil }
            return Localized(ko: ko ?? "", en: en ?? "")
        }
        guard let ko, let en else { return nil }
        return Localized(ko: ko, en: en)
    }

    public func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): s.string.isEmpty ? "nothing" : "'\(printable(String(s.string.prefix(40))))'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    /// Text safe to print in a message: control characters shown as escapes.
    public func printable(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            if YAMLDocument.isForbidden(scalar, multiline: false) { out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    // MARK: Helpers

    /// Nothing but white space (or nothing at all). The first scalar decides almost every text:
    /// a printable ASCII letter or a Hangul syllable is not white space, with no table lookup.
    static func isBlank(_ value: String) -> Bool {
        for scalar in value.unicodeScalars {
            switch scalar.value {
            case 0x21...0x7E, 0xAC00...0xD7A3: return false
            default: if !scalar.properties.isWhitespace { return false }
            }
        }
        return true
    }

    /// C0/C1 controls (ESC starts every terminal escape sequence), DEL, and bidirectional
    /// overrides that can make text display differently from what it says.
    public static func isForbidden(_ scalar: Unicode.Scalar, multiline: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: return !multiline
        case 0x09: return false
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x202A...0x202E, 0x2066...0x2069: return true
        default: return false
        }
    }

    public static func name(of scalar: Unicode.Scalar) -> String {
        let hex = "U+" + String(format: "%04X", scalar.value)
        switch scalar.value {
        case 0x1B: return "an escape character (\(hex), ESC)"
        case 0x0A: return "a line break"
        case 0x202A...0x202E, 0x2066...0x2069: return "a bidirectional control (\(hex))"
        default: return "a control character (\(hex))"
        }
    }

    /// The allowed word nearest to a typo, if it is near enough to be what was meant.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        let tolerance = max(1, min(3, best.0.count / 3))
        return best.1 <= tolerance ? best.0 : nil
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    struct InvalidByte {
        let byte: UInt8
        let line: Int
        let column: Int
        func location(file: String) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }
    }

    /// The first byte that is not valid UTF-8, with its line and column (in characters).
    static func firstInvalidUTF8(_ data: Data) -> InvalidByte? {
        if String(validating: data, as: UTF8.self) != nil { return nil }
        let bytes = [UInt8](data)
        var i = 0, line = 1, column = 1
        while i < bytes.count {
            let b = bytes[i]
            let length: Int
            switch b {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: return InvalidByte(byte: b, line: line, column: column)
            }
            if i + length > bytes.count { return InvalidByte(byte: b, line: line, column: column) }
            if length > 1, String(validating: bytes[i..<(i + length)], as: UTF8.self) == nil {
                return InvalidByte(byte: b, line: line, column: column)
            }
            if b == 0x0A { line += 1; column = 1 } else { column += 1 }
            i += length
        }
        return InvalidByte(byte: bytes.last ?? 0, line: line, column: column)
    }

    static func containsNUL(_ data: Data) -> Bool {
        data.withUnsafeBytes { raw in raw.baseAddress.map { memchr($0, 0, raw.count) != nil } ?? false }
    }

    static func locate(_ text: String, where predicate: (Unicode.Scalar) -> Bool) -> (line: Int, column: Int)? {
        var line = 1, column = 1
        for scalar in text.unicodeScalars {
            if predicate(scalar) { return (line, column) }
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return nil
    }

    static func diagnostic(for error: YamlError, text: String, file: String) -> Diagnostic {
        func at(_ mark: Mark, _ message: String) -> Diagnostic {
            Diagnostic(SourceLocation(file: file, line: mark.line, column: mark.column), .error, message)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            let context = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            return at(mark, "YAML syntax: \(problem)\(context)")
        case let .reader(problem, offset, value, yaml):
            var line = 1, column = 1
            if let offset {
                for ch in yaml.prefix(offset) {
                    if ch == "\n" || ch == "\r\n" { line += 1; column = 1 } else { column += ch.unicodeScalars.count }
                }
            }
            let what = value >= 0 && value < 0x20 || (value >= 0x7F && value <= 0x9F)
                ? "control character U+\(String(format: "%04X", value)) is not allowed"
                : problem
            return Diagnostic(SourceLocation(file: file, line: line, column: column), .error, "YAML: \(what)")
        case let .duplicatedKeysInMapping(duplicates, context):
            return at(context.mark, "duplicate key\(duplicates.count > 1 ? "s" : "") \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) in one mapping")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "cannot parse YAML: \(error)")
        }
    }
}
