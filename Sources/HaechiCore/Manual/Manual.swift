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
    /// What the value is (VariableType.swift); nil is free text.
    public var type: VariableType?
    public init(id: String, label: Localized, maxLength: Int, required: Bool = true, example: String? = nil,
                type: VariableType? = nil) {
        self.id = id; self.label = label; self.maxLength = maxLength; self.required = required; self.example = example
        self.type = type
    }
}

public struct Contact: Codable, Sendable, Hashable {
    public var name: Localized
    public var phone: String
    public init(name: Localized, phone: String) { self.name = name; self.phone = phone }
}

/// The CAP 1.2 fields a template fixes in advance.
public struct CAPInfo: Codable, Sendable, Hashable {
    /// CAP category: Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra, CBRNE, Other.
    public var category: String
    public var event: Localized
    public var urgency: String
    public var severity: String
    public var certainty: String
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
    public var cap: CAPInfo?
    public init(messageClass: MessageClass, channels: [String], text: Localized, cap: CAPInfo? = nil) {
        self.messageClass = messageClass; self.channels = channels; self.text = text; self.cap = cap
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
    public init(id: String, title: Localized, instructions: Localized, role: Localized, targetMinutes: Int,
                fromLevel: AlertLevel, contacts: [Contact] = [], message: MessageTemplate? = nil,
                location: SourceLocation? = nil) {
        self.id = id; self.title = title; self.instructions = instructions; self.role = role
        self.targetMinutes = targetMinutes; self.fromLevel = fromLevel; self.contacts = contacts
        self.message = message; self.location = location
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

    public init(id: String, title: Localized, category: DisasterCategory, department: Localized, revised: String,
                variables: [IncidentVariable], phases: [Phase], file: String? = nil) {
        self.id = id; self.title = title; self.category = category; self.department = department
        self.revised = revised; self.variables = variables; self.phases = phases; self.file = file
    }

    public var allSteps: [Step] { phases.flatMap(\.steps) }
    public var stepCount: Int { phases.reduce(0) { $0 + $1.steps.count } }
    public func step(id: String) -> Step? { allSteps.first { $0.id == id } }
    /// Steps that apply at `level`, in manual order.
    public func steps(at level: AlertLevel) -> [Step] { allSteps.filter { $0.fromLevel <= level } }
}
