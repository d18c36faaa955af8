import Foundation
import Yams

/// Reads `channels.yaml`, the channel profiles (see manuals/README.md).
public enum ChannelProfileLoader {
    public static let fileName = "channels.yaml"

    public static func load(path: String, displayPath: String? = nil) -> (ChannelProfiles, [Diagnostic]) {
        let doc = YAMLDocument(path: path, displayPath: displayPath)
        return (read(doc), doc.diagnostics)
    }

    public static func load(data: Data, file: String) -> (ChannelProfiles, [Diagnostic]) {
        let doc = YAMLDocument(data: data, file: file)
        return (read(doc), doc.diagnostics)
    }

    static func read(_ doc: YAMLDocument) -> ChannelProfiles {
        guard let root = doc.root,
              let top = doc.mapping(root, what: "the channel profile file", keys: ["channels"], required: ["channels"]),
              let list = top["channels"].flatMap({ doc.sequence($0, what: "channels") }) else { return ChannelProfiles([]) }
        var profiles: [ChannelProfile] = []
        var seen: [String: SourceLocation] = [:]
        let keys = ["id", "name", "counting", "limit", "class_limits", "languages", "approval", "idempotent", "schedule", "quiet_hours"]
        for item in list {
            guard let map = doc.mapping(item, what: "a channel", keys: keys, required: ["id", "name", "counting", "limit", "languages"]) else { continue }
            guard let idNode = map["id"], let id = doc.string(idNode, what: "channel id") else { continue }
            if !ManualLoader.isIdentifier(id, allowUpper: false) {
                doc.error(idNode, "channel id '\(doc.printable(id))' must be lower-case letters, digits and '-'")
            }
            if let first = seen[id] {
                doc.error(idNode, "duplicate channel id '\(id)' (first defined at \(first))")
            }
            seen[id] = doc.location(idNode)
            let name = map["name"].flatMap { doc.localized($0, what: "channel name") }
            let counting = map["counting"].flatMap { doc.word($0, what: "counting", allowed: CountingRule.allCases.map(\.rawValue)) }
                .flatMap(CountingRule.init(rawValue:))
            let limit = map["limit"].flatMap { doc.int($0, what: "limit", range: 1...100_000) }
            let classLimits = map["class_limits"].map { readClassLimits($0, doc) } ?? [:]
            let schedule = map["schedule"].map { readSchedule($0, doc) } ?? []
            let quietHours = map["quiet_hours"].flatMap { readQuietHours($0, doc) }
            let languages = map["languages"].flatMap { node -> [Language]? in
                guard let items = doc.sequence(node, what: "languages") else { return nil }
                if items.isEmpty { doc.error(node, "languages must name at least one language (ko, en)") }
                return items.compactMap { doc.word($0, what: "language", allowed: Language.allCases.map(\.rawValue)).flatMap(Language.init(rawValue:)) }
            }
            let approval = map["approval"].flatMap { node -> [MessageClass]? in
                guard let items = doc.sequence(node, what: "approval") else { return nil }
                return items.compactMap { doc.word($0, what: "message class", allowed: MessageClass.allCases.map(\.rawValue)).flatMap(MessageClass.init(rawValue:)) }
            } ?? []
            let idempotent = map["idempotent"].flatMap { doc.bool($0, what: "idempotent") } ?? false
            guard let name, let counting, let limit, let languages else { continue }
            profiles.append(ChannelProfile(id: id, name: name, counting: counting, limit: limit, classLimits: classLimits,
                                           languages: languages, approval: approval, idempotent: idempotent,
                                           schedule: schedule, quietHours: quietHours))
        }
        return ChannelProfiles(profiles)
    }

    static func readClassLimits(_ node: Node, _ doc: YAMLDocument) -> [MessageClass: Int] {
        var classLimits: [MessageClass: Int] = [:]
        guard let limits = doc.mapping(node, what: "class_limits", keys: MessageClass.allCases.map(\.rawValue)) else { return [:] }
        for (key, value) in limits {
            if let cls = MessageClass(rawValue: key), let n = doc.int(value, what: "class_limits.\(key)", range: 1...100_000) {
                classLimits[cls] = n
            }
        }
        return classLimits
    }

    /// `schedule:` limits that take effect on a date, e.g. CBS 157 when it is rolled out for Seoul.
    static func readSchedule(_ node: Node, _ doc: YAMLDocument) -> [LimitPeriod] {
        guard let items = doc.sequence(node, what: "schedule") else { return [] }
        var periods: [LimitPeriod] = []
        var seen: [String: SourceLocation] = [:]
        for item in items {
            guard let m = doc.mapping(item, what: "a scheduled limit", keys: ["from", "limit", "class_limits"], required: ["from", "limit"]) else { continue }
            let from = m["from"].flatMap { n -> String? in
                guard let s = doc.string(n, what: "from") else { return nil }
                guard ManualLoader.isDate(s) else { doc.error(n, "from must be a date written YYYY-MM-DD, found '\(doc.printable(s))'"); return nil }
                if let first = seen[s] { doc.error(n, "two scheduled limits from \(s) (first at \(first))") }
                seen[s] = doc.location(n)
                return s
            }
            let limit = m["limit"].flatMap { doc.int($0, what: "limit", range: 1...100_000) }
            let classLimits = m["class_limits"].map { readClassLimits($0, doc) } ?? [:]
            if let from, let limit { periods.append(LimitPeriod(from: from, limit: limit, classLimits: classLimits)) }
        }
        return periods
    }

    /// `quiet_hours: {from: "23:00", to: "07:00", exempt: [critical, emergency]}`.
    static func readQuietHours(_ node: Node, _ doc: YAMLDocument) -> QuietHours? {
        guard let m = doc.mapping(node, what: "quiet_hours", keys: ["from", "to", "exempt"], required: ["from", "to"]) else { return nil }
        func clock(_ key: String) -> Int? {
            guard let n = m[key], let s = doc.string(n, what: "quiet_hours.\(key)") else { return nil }
            guard let v = QuietHours.parseClock(s) else {
                doc.error(n, "quiet_hours.\(key) must be a time written HH:MM (00:00 to 23:59), found '\(doc.printable(s))'")
                return nil
            }
            return v
        }
        let start = clock("from"), end = clock("to")
        let exempt = m["exempt"].flatMap { n -> [MessageClass]? in
            guard let items = doc.sequence(n, what: "exempt") else { return nil }
            return items.compactMap { doc.word($0, what: "message class", allowed: MessageClass.allCases.map(\.rawValue)).flatMap(MessageClass.init(rawValue:)) }
        } ?? []
        guard let start, let end else { return nil }
        if start == end, let n = m["to"] { doc.error(n, "quiet_hours from and to are the same time; leave quiet_hours out instead") }
        return QuietHours(start: start, end: end, exempt: exempt)
    }
}
