import Foundation

/// Seoul's own emergency duty stage (비상근무 단계), decided by the city (usually at a
/// 상황판단회의), a dimension of its own beside the national crisis alert level that the
/// competent central agency issues. A step may apply from a level or from a stage.
public enum DutyStage: Int, Codable, CaseIterable, Sendable, Comparable {
    case standby = 0, stage1, stage2, stage3

    public static func < (a: DutyStage, b: DutyStage) -> Bool { a.rawValue < b.rawValue }

    public init?(name: String) {
        switch name.lowercased() {
        case "준비", "준비단계", "standby", "0": self = .standby
        case "1단계", "1", "stage1", "stage 1": self = .stage1
        case "2단계", "2", "stage2", "stage 2": self = .stage2
        case "3단계", "3", "stage3", "stage 3": self = .stage3
        default: return nil
        }
    }
    public static let allNames = ["준비", "1단계", "2단계", "3단계", "standby", "stage1", "stage2", "stage3"]
    public var korean: String { ["준비", "1단계", "2단계", "3단계"][rawValue] }
    public var english: String { ["Standby", "Stage 1", "Stage 2", "Stage 3"][rawValue] }
    public func name(_ language: Language) -> String { language == .ko ? korean : english }
}

/// Who sends a template's text: the city's situation room or a district office (each approves
/// and sends its own CBS texts since 2017; a district only within its own area).
public enum SendingAuthority: String, Codable, CaseIterable, Sendable {
    case city, district
    public var name: Localized {
        switch self {
        case .city: Localized(ko: "서울시", en: "City")
        case .district: Localized(ko: "자치구", en: "District")
        }
    }
}

/// A partner agency in `contacts.yaml`, referenced from steps by id.
public struct DirectoryContact: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var name: Localized
    public var phone: String
    public var role: Localized
    /// True when the number answers around the clock.
    public var allHours: Bool
    public init(id: String, name: Localized, phone: String, role: Localized, allHours: Bool) {
        self.id = id; self.name = name; self.phone = phone; self.role = role; self.allHours = allHours
    }
    public var contact: Contact { Contact(name: name, phone: phone) }
}

/// A shelter or a road/riverside closure point in `places.yaml`.
public struct Place: Codable, Sendable, Hashable, Identifiable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case shelter, closure
        public var listKey: String { self == .shelter ? "shelters" : "closures" }
    }
    public var id: String
    public var kind: Kind
    public var name: Localized
    /// The 5-digit code of the district it lies in.
    public var district: String
    public var note: Localized?
    public init(id: String, kind: Kind, name: Localized, district: String, note: Localized? = nil) {
        self.id = id; self.kind = kind; self.name = name; self.district = district; self.note = note
    }
}

/// The legal provisions a step rests on. Written in manuals as `재난안전법 40` or `재난안전법 38의2`;
/// only provisions listed here are accepted, so a typo cannot cite the wrong article.
public struct LegalReference: Codable, Sendable, Hashable {
    public var act: String
    public var article: String
    public var title: Localized

    public static let acts: [String: Localized] = [
        "재난안전법": Localized(ko: "재난 및 안전관리 기본법", en: "Framework Act on the Management of Disasters and Safety"),
    ]
    /// Articles checked against law.go.kr / easylaw.go.kr (manuals/SOURCES.md).
    public static let known: [LegalReference] = [
        .init(act: "재난안전법", article: "20", title: .init(ko: "재난상황의 보고", en: "reporting the disaster situation")),
        .init(act: "재난안전법", article: "38", title: .init(ko: "위기경보의 발령", en: "crisis alert levels")),
        .init(act: "재난안전법", article: "38의2", title: .init(ko: "재난 예보ㆍ경보체계", en: "warnings and emergency texts")),
        .init(act: "재난안전법", article: "40", title: .init(ko: "대피명령", en: "evacuation order")),
        .init(act: "재난안전법", article: "41", title: .init(ko: "위험구역의 설정", en: "danger zone")),
        .init(act: "재난안전법", article: "42", title: .init(ko: "강제대피조치", en: "forced evacuation")),
        .init(act: "재난안전법", article: "43", title: .init(ko: "통행제한 등", en: "traffic restriction")),
    ]

    /// Parses `재난안전법 40` / `재난안전법 제40조`; nil when the act or article is not in the table.
    public static func parse(_ text: String) -> LegalReference? {
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        var article = Trimming.whitespace(parts[1])
        if article.hasPrefix("제") { article.removeFirst() }
        if article.hasPrefix("§") { article.removeFirst() }
        article = article.replacingOccurrences(of: "조의", with: "의")
        if article.hasSuffix("조") { article.removeLast() }
        return known.first { $0.act == parts[0] && $0.article == article }
    }

    public func text(_ language: Language) -> String {
        switch language {
        case .ko: "\(act) 제\(article.replacingOccurrences(of: "의", with: "조의"))\(article.contains("의") ? "" : "조") (\(title.ko))"
        case .en: "\(act == "재난안전법" ? "Disaster and Safety Act" : act) art. \(article.replacingOccurrences(of: "의", with: "-")) (\(title.en))"
        }
    }
}

/// Hours in which a channel does not carry non-urgent texts (CBS: no 안전안내 texts 23:00–07:00).
public struct QuietHours: Codable, Sendable, Hashable {
    /// Minutes after midnight, local time; `start > end` wraps past midnight.
    public var start: Int
    public var end: Int
    /// Classes sent regardless (evacuation and critical texts).
    public var exempt: [MessageClass]
    public init(start: Int, end: Int, exempt: [MessageClass]) { self.start = start; self.end = end; self.exempt = exempt }

    public func contains(minuteOfDay m: Int) -> Bool {
        start <= end ? (m >= start && m < end) : (m >= start || m < end)
    }
    /// True when a message of this class must not go out at this minute without an override.
    public func holds(_ messageClass: MessageClass, minuteOfDay m: Int) -> Bool {
        !exempt.contains(messageClass) && contains(minuteOfDay: m)
    }
    public static func parseClock(_ s: String) -> Int? {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 2, p[0].count == 2, p[1].count == 2, let h = Int(p[0]), let m = Int(p[1]),
              (0...23).contains(h), (0...59).contains(m) else { return nil }
        return h * 60 + m
    }
    /// Minutes after midnight of `date` in `zone` (Seoul for every message rule).
    public static func minuteOfDay(_ date: Date, _ zone: TimeZone) -> Int {
        // CivilTime, not Calendar: compose checks this on every frame, and Calendar pages ICU into the TUI.
        let c = CivilTime(date, zone)
        return c.hour * 60 + c.minute
    }
    public static func clock(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
    public var description: String { "\(QuietHours.clock(start))~\(QuietHours.clock(end))" }
}

/// A channel limit that takes effect on a date (CBS 157 where and when it is rolled out).
public struct LimitPeriod: Codable, Sendable, Hashable {
    /// YYYY-MM-DD, the first day the limit is in force.
    public var from: String
    public var limit: Int
    public var classLimits: [MessageClass: Int]
    public init(from: String, limit: Int, classLimits: [MessageClass: Int] = [:]) {
        self.from = from; self.limit = limit; self.classLimits = classLimits
    }
}

/// The lists shared by every manual of a directory: `contacts.yaml` and `places.yaml`.
public struct ManualReferences: Sendable, Hashable {
    public var contacts: [DirectoryContact]
    public var places: [Place]
    public init(contacts: [DirectoryContact] = [], places: [Place] = []) { self.contacts = contacts; self.places = places }
    public static let empty = ManualReferences()
    public func contact(id: String) -> DirectoryContact? { contacts.first { $0.id == id } }
    public func place(id: String, kind: Place.Kind) -> Place? { places.first { $0.id == id && $0.kind == kind } }
    public func places(_ kind: Place.Kind) -> [Place] { places.filter { $0.kind == kind } }
}

/// Manual review: a manual not reviewed for a year is flagged.
public enum ManualReview {
    /// True when `reviewed` (YYYY-MM-DD) is more than 365 days before `today` (YYYY-MM-DD).
    public static func isStale(reviewed: String, today: String) -> Bool {
        guard let r = day(reviewed), let t = day(today) else { return false }
        return t - r > 365
    }
    /// Days since 1970-01-01 of a YYYY-MM-DD date (proleptic Gregorian; no time zone involved).
    static func day(_ s: String) -> Int? {
        let p = s.split(separator: "-")
        guard p.count == 3, let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]) else { return nil }
        let yy = m <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
