import Foundation

/// A display language of the manuals and of official messages.
public enum Language: String, Codable, CaseIterable, Sendable, Hashable {
    case ko, en
}

/// Text in both display languages. Manuals must carry both; messages may leave one empty.
public struct Localized: Codable, Sendable, Hashable {
    public var ko: String
    public var en: String
    public init(ko: String, en: String) { self.ko = ko; self.en = en }
    public subscript(language: Language) -> String {
        get { language == .ko ? ko : en }
        set { if language == .ko { ko = newValue } else { en = newValue } }
    }
}

/// 자연재난 / 사회재난, per the Framework Act on the Management of Disasters and Safety.
public enum DisasterCategory: String, Codable, CaseIterable, Sendable {
    case natural, social
    public var title: Localized {
        switch self {
        case .natural: Localized(ko: "자연재난", en: "Natural disaster")
        case .social: Localized(ko: "사회재난", en: "Social disaster")
        }
    }
}

/// Crisis alert levels (§38): 관심 Blue · 주의 Yellow · 경계 Orange · 심각 Red.
/// A step applies from its level upward.
public enum AlertLevel: Int, Codable, CaseIterable, Sendable, Comparable {
    case interest = 1, caution, alert, serious

    public static func < (a: AlertLevel, b: AlertLevel) -> Bool { a.rawValue < b.rawValue }

    /// The names a manual may use: the Korean word, the English colour or the English name.
    public init?(name: String) {
        switch name.lowercased() {
        case "관심", "blue", "interest": self = .interest
        case "주의", "yellow", "caution": self = .caution
        case "경계", "orange", "alert": self = .alert
        case "심각", "red", "serious": self = .serious
        default: return nil
        }
    }
    public static let allNames = ["관심", "주의", "경계", "심각", "blue", "yellow", "orange", "red"]

    public var korean: String { ["관심", "주의", "경계", "심각"][rawValue - 1] }
    public var english: String { ["Blue", "Yellow", "Orange", "Red"][rawValue - 1] }
    public func name(_ language: Language) -> String { language == .ko ? korean : english }
}

/// Message classes: the three emergency-text classes plus plain information.
public enum MessageClass: String, Codable, CaseIterable, Sendable {
    /// 위급재난문자: loudest, cannot be muted (air raid, M6.0+ earthquake).
    case critical
    /// 긴급재난문자: evacuation and immediate danger.
    case emergency
    /// 안전안내문자: advisory.
    case safety
    /// Informational posts with no emergency-text class (status updates, all clear).
    case info

    public var korean: String {
        switch self {
        case .critical: "위급"
        case .emergency: "긴급"
        case .safety: "안전안내"
        case .info: "정보"
        }
    }
    public init?(name: String) {
        switch name {
        case "critical", "위급": self = .critical
        case "emergency", "긴급": self = .emergency
        case "safety", "안전안내": self = .safety
        case "info", "informational", "정보": self = .info
        default: return nil
        }
    }
}

/// Where a position in a source file is, 1-based, for `file:line:col` messages.
public struct SourceLocation: Codable, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public init(file: String, line: Int, column: Int) {
        self.file = file; self.line = line; self.column = column
    }
    public var description: String { "\(file):\(line):\(column)" }
}

/// A variable the operator fills in when an incident starts (district, location, …).
public struct IncidentVariable: Codable, Sendable, Hashable {
    public var id: String
    public var label: Localized
    /// The longest value accepted; templates are length-checked with every placeholder at this length.
    public var maxLength: Int
    public var required: Bool
    public var example: String?
    /// A list from `places.yaml` whose entries the operator may pick as the value (shelters, closures).
    public var offers: Place.Kind?
    /// What the value is (VariableType.swift); nil is free text.
    public var type: VariableType?
    public init(id: String, label: Localized, maxLength: Int, required: Bool = true, example: String? = nil,
                offers: Place.Kind? = nil, type: VariableType? = nil) {
        self.id = id; self.label = label; self.maxLength = maxLength; self.required = required; self.example = example
        self.offers = offers; self.type = type
    }
}

public struct Contact: Codable, Sendable, Hashable {
    public var name: Localized
    public var phone: String
    /// Set when the contact comes from `contacts.yaml`: its id, role and whether it answers 24 hours.
    public var id: String?
    public var role: Localized?
    public var allHours: Bool?
    public init(name: Localized, phone: String, id: String? = nil, role: Localized? = nil, allHours: Bool? = nil) {
        self.name = name; self.phone = phone; self.id = id; self.role = role; self.allHours = allHours
    }
}

/// A message's CAP 1.2 fields, resolved once when it is queued (`CAPProfile.resolve`) and
/// stored with it, so every rendering of the message says the same.
public struct CAPInfo: Codable, Sendable, Hashable {
    /// CAP category: Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra, CBRNE, Other.
    public var category: String
    public var event: Localized
    public var urgency: String
    public var severity: String
    public var certainty: String
    // Fields below are absent from records written before issue 12.
    public var responseTypes: [String]?
    /// A short headline per language (≤ 160 characters), apart from the description.
    public var headline: Localized?
    public var instruction: Localized?
    public var expires: Date?
    public var web: String?
    public var area: CAPArea?
    /// Update or Cancel for lifecycle messages (cancel notice, all-clear); nil is an Alert,
    /// or an Update for a `correct` record of an older outbox.
    public var msgType: CAPMessageType?
    /// The earlier alerts this one updates or cancels.
    public var references: [CAPReference]?
    public init(category: String, event: Localized, urgency: String, severity: String, certainty: String) {
        self.category = category; self.event = event; self.urgency = urgency; self.severity = severity; self.certainty = certainty
    }
    public static let categories = ["Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra", "CBRNE", "Other"]
    public static let urgencies = ["Immediate", "Expected", "Future", "Past", "Unknown"]
    public static let severities = ["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
    public static let certainties = ["Observed", "Likely", "Possible", "Unlikely", "Unknown"]
}

/// A pre-written official message attached to a step. Text may contain `{variable}` placeholders.
public struct MessageTemplate: Codable, Sendable, Hashable {
    public var messageClass: MessageClass
    public var channels: [String]
    public var text: Localized
    /// Refines the manual's CAP mapping for this message.
    public var cap: CAPMapping?
    /// CAP headline and instruction (placeholders allowed), apart from the posted text.
    public var headline: Localized?
    public var instruction: Localized?
    /// Target area: 행정기관코드 ("11" all of Seoul, 5-digit 자치구, 10-digit 행정동); see SeoulAreas.
    public var area: [String]
    /// Who sends it: the city's situation room or a district office.
    public var authority: SendingAuthority?
    public init(messageClass: MessageClass, channels: [String], text: Localized, cap: CAPMapping? = nil,
                headline: Localized? = nil, instruction: Localized? = nil,
                area: [String] = [], authority: SendingAuthority? = nil) {
        self.messageClass = messageClass; self.channels = channels; self.text = text; self.cap = cap
        self.headline = headline; self.instruction = instruction
        self.area = area; self.authority = authority
    }
}

public struct Step: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: Localized
    public var instructions: Localized
    public var role: Localized
    /// Minutes from the start of the incident by which the step should be done.
    public var targetMinutes: Int
    /// The step applies when the incident is at this level or higher.
    public var fromLevel: AlertLevel
    public var contacts: [Contact]
    public var message: MessageTemplate?
    /// Where the step starts in its manual file (for lint messages and review).
    public var location: SourceLocation?
    /// The city's duty stage from which the step applies too (a step applies when the national
    /// level reaches `fromLevel` or the city's stage reaches `fromStage`).
    public var fromStage: DutyStage?
    public var legalBasis: [LegalReference]
    public var shelters: [Place]
    public var closures: [Place]
    public init(id: String, title: Localized, instructions: Localized, role: Localized, targetMinutes: Int,
                fromLevel: AlertLevel, contacts: [Contact] = [], message: MessageTemplate? = nil,
                location: SourceLocation? = nil, fromStage: DutyStage? = nil, legalBasis: [LegalReference] = [],
                shelters: [Place] = [], closures: [Place] = []) {
        self.id = id; self.title = title; self.instructions = instructions; self.role = role
        self.targetMinutes = targetMinutes; self.fromLevel = fromLevel; self.contacts = contacts
        self.message = message; self.location = location
        self.fromStage = fromStage; self.legalBasis = legalBasis; self.shelters = shelters; self.closures = closures
    }

    /// Whether the step applies at this national level and city duty stage (`StepApplicability`'s rule).
    public func applies(level: AlertLevel, stage: DutyStage? = nil) -> Bool {
        applicability.applies(level: level, stage: stage)
    }

    public var applicability: StepApplicability { StepApplicability(id: id, fromLevel: fromLevel, fromStage: fromStage) }
}

/// What decides whether a step is on an incident's checklist: its id and the level and stage it
/// applies from. An incident's progress figures are counted over these (`Incident.counts(of:)`),
/// so Home can show them from the parsed-manual cache's index before the full manuals are read.
public struct StepApplicability: Sendable, Hashable {
    public var id: String
    public var fromLevel: AlertLevel
    public var fromStage: DutyStage?
    public init(id: String, fromLevel: AlertLevel, fromStage: DutyStage? = nil) {
        self.id = id; self.fromLevel = fromLevel; self.fromStage = fromStage
    }

    /// Whether the step applies at this national level and city duty stage: the one rule.
    public func applies(level: AlertLevel, stage: DutyStage? = nil) -> Bool {
        if fromLevel <= level { return true }
        if let fromStage, let stage { return fromStage <= stage }
        return false
    }
}

public struct Phase: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: Localized
    public var steps: [Step]
    public init(id: String, title: Localized, steps: [Step]) { self.id = id; self.title = title; self.steps = steps }
}

/// One disaster type's initial-response manual.
public struct Manual: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var title: Localized
    public var category: DisasterCategory
    public var department: Localized
    /// ISO date (YYYY-MM-DD) of the last revision.
    public var revised: String
    public var variables: [IncidentVariable]
    public var phases: [Phase]
    public var file: String?
    /// Who answers for the manual's content, and when they last reviewed it (YYYY-MM-DD).
    public var owner: Localized?
    public var reviewed: String?
    /// The default CAP mapping of every message of this manual (issue 12).
    public var cap: CAPMapping?
    /// How often the public must hear from the city, in minutes, per level (issue 12).
    public var publicUpdates: [AlertLevel: Int]?
    /// The all-clear (상황 해제) text, placeholders allowed.
    public var allClear: Localized?

    public init(id: String, title: Localized, category: DisasterCategory, department: Localized, revised: String,
                variables: [IncidentVariable], phases: [Phase], file: String? = nil,
                owner: Localized? = nil, reviewed: String? = nil) {
        self.id = id; self.title = title; self.category = category; self.department = department
        self.revised = revised; self.variables = variables; self.phases = phases; self.file = file
        self.owner = owner; self.reviewed = reviewed
    }

    public var allSteps: [Step] { phases.flatMap(\.steps) }
    public var stepCount: Int { phases.reduce(0) { $0 + $1.steps.count } }
    public func step(id: String) -> Step? { allSteps.first { $0.id == id } }
    /// Steps that apply at `level`, in manual order.
    public func steps(at level: AlertLevel) -> [Step] { allSteps.filter { $0.fromLevel <= level } }
    /// Steps that apply at a level and a city duty stage, in manual order.
    public func steps(at level: AlertLevel, stage: DutyStage?) -> [Step] { allSteps.filter { $0.applies(level: level, stage: stage) } }
}
