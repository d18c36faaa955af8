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
        let keys = ["id", "name", "counting", "limit", "class_limits", "languages", "approval", "idempotent"]
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
            var classLimits: [MessageClass: Int] = [:]
            if let node = map["class_limits"],
               let limits = doc.mapping(node, what: "class_limits", keys: MessageClass.allCases.map(\.rawValue)) {
                for (key, value) in limits {
                    if let cls = MessageClass(rawValue: key), let n = doc.int(value, what: "class_limits.\(key)", range: 1...100_000) {
                        classLimits[cls] = n
                    }
                }
            }
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
                                           languages: languages, approval: approval, idempotent: idempotent))
        }
        return ChannelProfiles(profiles)
    }
}
