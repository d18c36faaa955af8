import Foundation

/// The CAP fields a manual declares for its disaster type, which its templates refine.
/// Everything is optional here: a template states only what differs from its manual, and
/// `CAPProfile.resolve` fills in what neither says.
public struct CAPMapping: Codable, Sendable, Hashable {
    /// CAP category (Geo, Met, Safety, …, see `CAPInfo.categories`).
    public var category: String?
    /// The event name in both languages ("대설", "Heavy snow").
    public var event: Localized?
    /// CAP responseType values (Shelter, Evacuate, Prepare, …, see `CAPMapping.responseTypes`).
    public var responseTypes: [String]?
    /// Overrides of what `CAPProfile.assessment` derives from the class and the level. A
    /// template may say, for example, that a forecast is `Likely` rather than `Observed`.
    public var urgency: String?
    public var severity: String?
    public var certainty: String?
    /// How long the alert stays in force after it is sent, in seconds.
    public var expires: TimeInterval?
    /// Where the public reads more (`<web>`): a full http(s) URL.
    public var web: String?

    public init(category: String? = nil, event: Localized? = nil, responseTypes: [String]? = nil, urgency: String? = nil,
                severity: String? = nil, certainty: String? = nil, expires: TimeInterval? = nil, web: String? = nil) {
        self.category = category; self.event = event; self.responseTypes = responseTypes; self.urgency = urgency
        self.severity = severity; self.certainty = certainty; self.expires = expires; self.web = web
    }

    /// This mapping with every field `other` sets taken from `other` (a template over its manual).
    public func refined(by other: CAPMapping?) -> CAPMapping {
        guard let o = other else { return self }
        return CAPMapping(category: o.category ?? category, event: o.event ?? event, responseTypes: o.responseTypes ?? responseTypes,
                          urgency: o.urgency ?? urgency, severity: o.severity ?? severity, certainty: o.certainty ?? certainty,
                          expires: o.expires ?? expires, web: o.web ?? web)
    }

    /// The mapping a stored alert was made with, for a message prefilled from it (a correction).
    public init(_ info: CAPInfo) {
        self.init(category: info.category, event: info.event, responseTypes: info.responseTypes, urgency: info.urgency,
                  severity: info.severity, certainty: info.certainty, web: info.web)
    }

    /// CAP 1.2 §3.2.2 responseType values.
    public static let responseTypes = ["Shelter", "Evacuate", "Prepare", "Execute", "Avoid", "Monitor", "Assess", "AllClear", "None"]
}

/// `<area>`: a description in each language and the administrative codes of the districts.
public struct CAPArea: Codable, Sendable, Hashable {
    public var description: Localized
    public var geocodes: [CAPGeocode]
    public init(description: Localized, geocodes: [CAPGeocode]) { self.description = description; self.geocodes = geocodes }
}

public struct CAPGeocode: Codable, Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

/// An earlier alert a later one refers to. CAP writes it `sender,identifier,sent`; the sender
/// part is the issuing endpoint's own id, added when the document is rendered.
public struct CAPReference: Codable, Sendable, Hashable {
    public var identifier: String
    public var sent: Date
    public init(identifier: String, sent: Date) { self.identifier = identifier; self.sent = sent }
}

/// What a lifecycle message does to earlier alerts. Stored in the message's CAP block so the
/// sender renders it without looking anything up.
public enum CAPMessageType: String, Codable, Sendable, Hashable, CaseIterable {
    case alert = "Alert", update = "Update", cancel = "Cancel"
}

/// The one place that decides a message's CAP fields.
public enum CAPProfile {
    /// Urgency, severity and certainty from the emergency-text class and the crisis level.
    ///
    /// 위급 texts are for air raids and the strongest earthquakes: Immediate/Extreme/Observed.
    /// 긴급 texts call for evacuation: Immediate and Severe, Extreme at 심각. 안전안내 texts are
    /// advisories: Expected/Moderate, rising with the level. Plain information is Minor unless the
    /// crisis level is 경계 or 심각. Certainty is Observed once the level says the hazard is there
    /// (경계 and up) and Likely below. With no level (a message from a script) the class decides alone.
    public static func assessment(kind: MessageClass, level: AlertLevel?) -> (urgency: String, severity: String, certainty: String) {
        let high = (level ?? .caution) >= .alert
        let top = level == .serious
        switch kind {
        case .critical: return ("Immediate", "Extreme", "Observed")
        case .emergency: return ("Immediate", top ? "Extreme" : "Severe", high ? "Observed" : "Likely")
        case .safety: return (top ? "Immediate" : "Expected", high ? "Severe" : "Moderate", high ? "Observed" : "Likely")
        case .info: return ("Expected", high ? "Moderate" : "Minor", level == .interest ? "Possible" : "Likely")
        }
    }

    /// How long an alert stays in force when its template does not say: the louder the class,
    /// the sooner the city must say something new (an update or an all-clear).
    public static func defaultExpiry(_ kind: MessageClass) -> TimeInterval {
        switch kind {
        case .critical: 3 * 3600
        case .emergency: 6 * 3600
        case .safety: 12 * 3600
        case .info: 24 * 3600
        }
    }

    /// An all-clear stays up long enough for aggregators to carry it, then drops out.
    public static let allClearExpiry: TimeInterval = 3600

    /// The mapping of a message with no manual at all (`haechi outbox add` without `--manual`).
    public static let freeForm = CAPMapping(category: "Safety", event: Localized(ko: "재난 안내", en: "Emergency notice"))

    /// CAP headlines "should be kept under 160 characters" (CAP 1.2 §3.2.2).
    public static let headlineLimit = 160

    /// The CAP block of a message as queued: the manual's mapping refined by the template's,
    /// the assessment from class and level (unless the mapping overrides it), the headline and
    /// instruction already filled, `expires` counted from `created`, and the area from the district.
    public static func resolve(mapping: CAPMapping?, kind: MessageClass, level: AlertLevel?, created: Date,
                               district: String?, headline: Localized?, instruction: Localized?,
                               type: CAPMessageType = .alert, references: [CAPReference] = []) -> CAPInfo {
        let m = mapping ?? freeForm
        let a = assessment(kind: kind, level: level)
        var info = CAPInfo(category: m.category ?? freeForm.category!, event: m.event ?? freeForm.event!,
                           urgency: m.urgency ?? a.urgency, severity: m.severity ?? a.severity, certainty: m.certainty ?? a.certainty)
        info.responseTypes = m.responseTypes.flatMap { $0.isEmpty ? nil : $0 }
        info.headline = headline.flatMap { $0.ko.isEmpty && $0.en.isEmpty ? nil : $0 }
        info.instruction = instruction.flatMap { $0.ko.isEmpty && $0.en.isEmpty ? nil : $0 }
        info.expires = created.addingTimeInterval(m.expires ?? defaultExpiry(kind))
        info.web = m.web
        info.area = SeoulCAPArea.area(district)
        if type != .alert { info.msgType = type }
        if !references.isEmpty { info.references = references }
        return info
    }

    /// The CAP block of an all-clear (상황 해제): the incident's event, responseType AllClear,
    /// urgency Past, severity Minor, certainty Observed, a short expiry, and references to the
    /// alerts it clears (an Update of them; an Alert when there is nothing to reference).
    public static func allClear(mapping: CAPMapping?, created: Date, district: String?, headline: Localized?,
                                instruction: Localized?, references: [CAPReference]) -> CAPInfo {
        let clear = CAPMapping(responseTypes: ["AllClear"], urgency: "Past", severity: "Minor", certainty: "Observed",
                               expires: allClearExpiry)
        return resolve(mapping: (mapping ?? freeForm).refined(by: clear), kind: .info, level: nil, created: created,
                       district: district, headline: headline, instruction: instruction,
                       type: references.isEmpty ? .alert : .update, references: references)
    }

    /// Whether a mapping is an all-clear's (a template of a closing step).
    public static func isAllClear(_ mapping: CAPMapping?) -> Bool { mapping?.responseTypes?.contains("AllClear") ?? false }
}

/// Where a CAP alert is, for Seoul: the 25 autonomous districts (자치구) by their administrative codes: the first five
/// digits of the 법정동코드 (legal-dong code of the standard administrative code system,
/// 행정표준코드관리시스템), written as the full ten digits with zeros, as the ministry's code
/// lists do. The city as a whole is 1100000000. See docs/cap.md for the sources.
public enum SeoulCAPArea {
    public static let city = (code: "1100000000", name: Localized(ko: "서울특별시", en: "Seoul"))
    /// The CAP valueName of the code. CAP leaves the scheme to the issuer (§3.3.2).
    public static let codeName = "KR-BJDONG"
    /// ISO 3166-2 subdivision of Seoul, a second geocode every aggregator knows.
    public static let iso = CAPGeocode(name: "ISO3166-2", value: "KR-11")

    /// Seoul's districts and their codes, from the one table of Seoul's map (`SeoulAreas`).
    public static let districts: [(ko: String, en: String, code: String)] =
        SeoulAreas.districts.map { (ko: $0.name.ko, en: $0.name.en, code: $0.code) }

    /// The districts named in `text` ("마포구", "마포구, 서대문구", "Mapo-gu"), in the order of
    /// the table. A name is matched whole, so 중구 inside 중랑구 does not count.
    public static func named(in text: String) -> [(ko: String, en: String, code: String)] {
        let words = text.precomposedStringWithCanonicalMapping
            .split(whereSeparator: { $0 == "," || $0 == "·" || $0 == "/" || $0.isWhitespace })
            .map { $0.lowercased() }
        return districts.filter { d in
            words.contains { w in
                w == d.ko || w == d.en.lowercased() || ["서울", "서울시", "서울특별시"].contains { $0 + d.ko == w }
            }
        }
    }

    /// `<area>` for a message about `district` (the incident variable): the district as the
    /// operator wrote it, its codes when it names Seoul districts, the city otherwise.
    public static func area(_ district: String?) -> CAPArea {
        let text = district?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let found = text.isEmpty ? [] : named(in: text)
        if found.isEmpty {
            let desc = text.isEmpty ? city.name : Localized(ko: text, en: text)
            return CAPArea(description: desc, geocodes: [CAPGeocode(name: codeName, value: city.code), iso])
        }
        let ko = "서울특별시 " + found.map(\.ko).joined(separator: ", ")
        let en = found.map(\.en).joined(separator: ", ") + ", Seoul"
        return CAPArea(description: Localized(ko: ko, en: en),
                       geocodes: found.map { CAPGeocode(name: codeName, value: $0.code + "00000") } + [iso])
    }
}

extension CAPProfile {
    /// The CAP block of a draft being queued at `created`: its placeholders filled like the
    /// text's, so the headline says the same district and time as the post.
    public static func resolve(_ draft: ComposeDraft, created: Date, timeZone: TimeZone = Placeholders.Context.seoul) -> CAPInfo {
        let context = Placeholders.Context(now: created, timeZone: timeZone, level: draft.level, variables: draft.variables)
        func filled(_ l: Localized?) -> Localized? {
            guard let l else { return nil }
            var out = Localized(ko: "", en: "")
            for language in Language.allCases where !l[language].isEmpty {
                out[language] = Placeholders.fill(l[language], language: language, context: context).text.precomposedStringWithCanonicalMapping
            }
            return out
        }
        if isAllClear(draft.cap) {
            return allClear(mapping: draft.cap, created: created, district: draft.district, headline: filled(draft.headline),
                            instruction: filled(draft.instruction), references: draft.references)
        }
        return resolve(mapping: draft.cap, kind: draft.kind, level: draft.level, created: created, district: draft.district,
                       headline: filled(draft.headline), instruction: filled(draft.instruction),
                       type: draft.capType, references: draft.references)
    }
}
