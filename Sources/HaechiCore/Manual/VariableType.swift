import Foundation

/// What an incident variable holds, declared in the manual (`type:`), so a value is checked
/// when the officer types it rather than when a citizen reads it: snowfall in cm is a number in
/// its range, a district is one of Seoul's 25, a time is a time.
///
/// Every value has a form per language: a district and a list entry carry both names, a number
/// and a time read the same in both, and free text may be given an English form. English posts
/// thus read "From 22:44, Jamsu Bridge is closed", not "From 22:44, 잠수교 is closed".
public enum VariableType: Codable, Sendable, Hashable {
    /// Free text; `english` asks for an English form beside the Korean one.
    case text(english: Bool)
    /// A number, optionally with a unit and a range (both ends inclusive).
    case number(unit: Localized?, min: Double?, max: Double?)
    /// One of Seoul's 25 autonomous districts (자치구), completed as it is typed.
    case district
    /// A time of day, `HH:MM` (24-hour).
    case time
    /// One entry of a list; each entry has both languages.
    case choice([Localized])

    public static let names = ["text", "number", "district", "time", "choice"]

    public var name: String {
        switch self {
        case .text: "text"
        case .number: "number"
        case .district: "district"
        case .time: "time"
        case .choice: "choice"
        }
    }
}


/// Why a typed value was refused, in both languages, for the message line.
public struct VariableRefusal: Error, Sendable, Hashable {
    public var message: Localized
}

extension IncidentVariable {
    /// The type the manual declared (free text when it declared none).
    public var kind: VariableType { type ?? .text(english: false) }

    /// The journal key of a variable's English form (`road.en`): variable ids are lower-case
    /// letters, digits and `_`, so the dot never meets a real id, and older readers that look
    /// up declared ids only simply do not see it.
    public static func englishKey(_ id: String) -> String { id + ".en" }

    /// Checks a typed value and gives its forms: `ko` is what the journal has always held,
    /// `en` the English form (equal to `ko` where the value reads the same).
    public func validate(_ input: String) -> Result<Localized, VariableRefusal> {
        let raw = Trimming.whitespaceAndNewlines(NFC.normalize(input))
        func refuse(_ ko: String, _ en: String) -> Result<Localized, VariableRefusal> {
            .failure(VariableRefusal(message: Localized(ko: "‘\(label.ko)’: " + ko, en: "‘\(label.en)’: " + en)))
        }
        if raw.isEmpty { return .success(Localized(ko: "", en: "")) }
        let tooLong = raw.count > maxLength
            ? refuse("최대 \(maxLength)자입니다 (지금 \(raw.count)자)", "at most \(maxLength) characters (this is \(raw.count))") : nil
        switch kind {
        case .text:
            if let tooLong { return tooLong }
            return .success(Localized(ko: raw, en: raw))
        case .number(let unit, let min, let max):
            if let tooLong { return tooLong }
            let unitKo = unit.map { " " + $0.ko } ?? "", unitEn = unit.map { " " + $0.en } ?? ""
            var digits = raw.replacingOccurrences(of: ",", with: "")
            for u in [unit?.ko, unit?.en].compactMap({ $0 }) where !u.isEmpty && digits.hasSuffix(u) {
                digits = String(digits.dropLast(u.count)).trimmingCharacters(in: .whitespaces)
            }
            guard let value = Double(digits), value.isFinite, digits.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) else {
                return refuse("숫자를 입력하세요\(unit.map { " (단위 \($0.ko))" } ?? "") — ‘\(raw)’은(는) 숫자가 아닙니다",
                              "type a number\(unit.map { " (in \($0.en))" } ?? ""); ‘\(raw)’ is not one")
            }
            if let min, value < min { return refuse("\(Self.number(min))\(unitKo) 이상이어야 합니다", "must be at least \(Self.number(min))\(unitEn)") }
            if let max, value > max { return refuse("\(Self.number(max))\(unitKo) 이하여야 합니다", "must be at most \(Self.number(max))\(unitEn)") }
            let text = Self.number(value)
            return .success(Localized(ko: text, en: text))
        case .district:
            let matches = Self.districtMatches(raw)
            if matches.count == 1 { return .success(matches[0]) }
            if matches.isEmpty {
                return refuse("서울의 자치구가 아닙니다: ‘\(raw)’ (Tab: 자동 완성)", "‘\(raw)’ is not one of Seoul's 25 districts (Tab completes)")
            }
            return refuse("여럿과 맞습니다: " + matches.map(\.ko).joined(separator: ", "), "matches several: " + matches.map(\.en).joined(separator: ", "))
        case .time:
            guard let (h, m) = Self.time(raw) else {
                return refuse("시각은 HH:MM(24시간)으로 입력하세요, 예: 22:44", "write the time as HH:MM (24-hour), e.g. 22:44")
            }
            let text = (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
            return .success(Localized(ko: text, en: text))
        case .choice(let entries):
            let key = raw.lowercased()
            if let exact = entries.first(where: { $0.ko.lowercased() == key || $0.en.lowercased() == key }) { return .success(exact) }
            let found = entries.filter { $0.ko.lowercased().hasPrefix(key) || $0.en.lowercased().hasPrefix(key) }
            if found.count == 1 { return .success(found[0]) }
            return refuse("목록에서 고르세요: " + entries.map(\.ko).joined(separator: ", "), "choose from the list: " + entries.map(\.en).joined(separator: ", "))
        }
    }

    /// What Tab offers for a partly typed value: districts and list entries starting with it
    /// (Korean or English), in list order.
    public func completions(_ input: String) -> [String] {
        let raw = NFC.normalize(input).trimmingCharacters(in: .whitespaces).lowercased()
        switch kind {
        case .district:
            return SeoulAreas.names.filter { raw.isEmpty || $0.ko.hasPrefix(raw) || $0.en.lowercased().hasPrefix(raw) }
                .map { $0.en.lowercased().hasPrefix(raw) && !raw.isEmpty && raw.first!.isASCII ? $0.en : $0.ko }
        case .choice(let entries):
            return entries.filter { raw.isEmpty || $0.ko.lowercased().hasPrefix(raw) || $0.en.lowercased().hasPrefix(raw) }
                .map { !raw.isEmpty && raw.first!.isASCII && $0.en.lowercased().hasPrefix(raw) ? $0.en : $0.ko }
        default:
            return []
        }
    }

    /// Districts a typed value names: exact (마포구, 마포, Mapo-gu, mapo), else by prefix.
    static func districtMatches(_ raw: String) -> [Localized] {
        let lowered = raw.lowercased()
        // Most values have no space to take out: skip Foundation's search for one.
        let key = lowered.utf8.contains(UInt8(ascii: " ")) ? lowered.replacingOccurrences(of: " ", with: "") : lowered
        let exact = districtKeys.filter { d in
            d.name.ko == key || d.koShort == key || d.enLower == key || d.enShort == key
        }.map(\.name)
        if !exact.isEmpty { return exact }
        return districtKeys.filter { $0.name.ko.hasPrefix(key) || $0.enLower.hasPrefix(key) }.map(\.name)
    }

    /// Each district with the forms a typed value is matched against (마포구, 마포, mapo-gu,
    /// mapo), made once rather than for every district on every value checked.
    private static let districtKeys: [(name: Localized, koShort: String, enLower: String, enShort: String)] =
        SeoulAreas.names.map { d in
            (d, String(d.ko.dropLast()), d.en.lowercased(), d.en.lowercased().replacingOccurrences(of: "-gu", with: ""))
        }

    static func time(_ raw: String) -> (Int, Int)? {
        let parts = raw.split(separator: ":", omittingEmptySubsequences: false)
        var h: Int?, m: Int?
        if parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2 {
            h = Int(parts[0]); m = Int(parts[1])
        } else if parts.count == 1, raw.count == 4, raw.allSatisfy(\.isNumber) {
            h = Int(raw.prefix(2)); m = Int(raw.suffix(2))
        }
        guard let h, let m, (0...23).contains(h), (0...59).contains(m) else { return nil }
        return (h, m)
    }

    /// A number as it is shown and journaled: `12`, `7.5`.
    public static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    /// The longest value a type can produce in any language, for lint's length checks.
    public var longestValue: Int {
        switch kind {
        case .district: SeoulAreas.names.map { max($0.ko.count, $0.en.count) }.max() ?? maxLength
        case .time: 5
        case .choice(let entries): entries.map { max($0.ko.count, $0.en.count) }.max() ?? maxLength
        default: maxLength
        }
    }
}

extension Manual {
    /// What an `opened` line records for typed values: each value in its Korean form under the
    /// variable's id (as journals always held), and its English form under `id.en` when that
    /// reads differently (a district's or a list entry's English name, or an English form typed
    /// for free text, given in `english` by id). Values that fail their type are left out; the
    /// Start screen and lint refuse them before this is called. One function for the Start
    /// screen and for drills opened from a scenario.
    public func journalVariables(_ values: [String: String], english: [String: String] = [:]) -> [String: String] {
        var out: [String: String] = [:]
        for v in variables {
            guard let raw = values[v.id], case .success(let forms) = v.validate(raw), !forms.ko.isEmpty else { continue }
            out[v.id] = forms.ko
            let typed = english[v.id]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            let en = typed.isEmpty ? forms.en : typed
            if en != forms.ko { out[IncidentVariable.englishKey(v.id)] = en }
        }
        return out
    }
}
