import Foundation

/// Fills `{name}` placeholders in message text from incident variables and the built-ins
/// `{time}`, `{date}` and `{level}`.
///
/// Only `{identifier}` (letters, digits, `_`, `-`) counts as a placeholder, so an operator who
/// types a stray brace in free-form text is not told that "{ " is an unfilled variable.
public enum Placeholders {
    /// What the built-ins are filled from. The clock and zone come in as values so that the
    /// same draft renders the same text in tests and on screen.
    public struct Context: Sendable, Hashable {
        public var now: Date
        public var timeZone: TimeZone
        public var level: AlertLevel?
        public var variables: [String: String]

        /// The city's default zone (`CityTime`): messages go to people in the city, whatever
        /// zone the server runs in. Callers pass the configured zone; this is its default.
        public static let seoul = CityTime.default

        public init(now: Date, timeZone: TimeZone = CityTime.default, level: AlertLevel? = nil, variables: [String: String] = [:]) {
            self.now = now; self.timeZone = timeZone; self.level = level; self.variables = variables
        }

        /// The value of one placeholder in one language, or nil when nothing fills it.
        public func value(of name: String, language: Language) -> String? {
            switch name {
            case "time": return Self.format(now, timeZone, time: true)
            case "date": return Self.format(now, timeZone, time: false)
            case "level": return level?.name(language)
            default:
                // A typed variable's English form (`road.en`, see IncidentVariable.englishKey)
                // fills English text; the Korean value is the fallback.
                if language == .en, let en = variables[IncidentVariable.englishKey(name)]?.trimmingCharacters(in: .whitespacesAndNewlines), !en.isEmpty {
                    return en
                }
                guard let v = variables[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else { return nil }
                return v
            }
        }

        /// `HH:mm` or `yyyy-MM-dd`, built from calendar fields rather than a DateFormatter so the
        /// result never depends on the process locale.
        static func format(_ date: Date, _ zone: TimeZone, time: Bool) -> String {
            // CivilTime, not Calendar: the same answer without paging ICU into the TUI.
            let c = CivilTime(date, zone)
            return time ? CivilTime.two(c.hour) + ":" + CivilTime.two(c.minute) : c.calendarDay
        }
    }

    /// Text with every fillable placeholder replaced; the ones nothing fills stay as `{name}`
    /// (so the preview shows them) and are listed in `unfilled`, in order, without repeats.
    public struct Filled: Sendable, Hashable {
        public var text: String
        public var unfilled: [String]
    }

    public static func fill(_ text: String, language: Language, context: Context) -> Filled {
        var out = ""
        var unfilled: [String] = []
        for piece in split(text) {
            switch piece {
            case .literal(let s): out += s
            case .placeholder(let name):
                if let v = context.value(of: name, language: language) {
                    out += v
                } else {
                    out += "{\(name)}"
                    if !unfilled.contains(name) { unfilled.append(name) }
                }
            }
        }
        return Filled(text: out, unfilled: unfilled)
    }

    /// The placeholder names in a text, in order of first appearance.
    public static func names(in text: String) -> [String] {
        var names: [String] = []
        for case .placeholder(let n) in split(text) where !names.contains(n) { names.append(n) }
        return names
    }

    enum Piece: Equatable { case literal(Substring), placeholder(String) }

    static func split(_ text: String) -> [Piece] {
        var pieces: [Piece] = []
        var rest = text[...]
        while let open = rest.firstIndex(of: "{") {
            let after = rest.index(after: open)
            guard let close = rest[after...].firstIndex(where: { !isNameCharacter($0) }),
                  rest[close] == "}", close > after else {
                pieces.append(.literal(rest[...open]))
                rest = rest[after...]
                continue
            }
            if open > rest.startIndex { pieces.append(.literal(rest[..<open])) }
            pieces.append(.placeholder(String(rest[after..<close])))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.literal(rest)) }
        return pieces
    }

    static func isNameCharacter(_ c: Character) -> Bool {
        c == "_" || c == "-" || (c.isASCII && (c.isLetter || c.isNumber))
    }
}
