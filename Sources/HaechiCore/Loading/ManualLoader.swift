import Foundation
import Yams

/// Reads one manual file, checking everything a manual author can get wrong, each problem with
/// its place. See manuals/README.md for the format.
public enum ManualLoader {
    /// Built-in placeholders and their longest values: {time} HH:MM, {date} YYYY-MM-DD, {level} 경계/Orange.
    public static let builtinPlaceholders: [String: Int] = ["time": 5, "date": 10, "level": 6]

    /// `references` resolves contact, shelter and closure ids; `today` (YYYY-MM-DD) turns on the
    /// stale-review warning.
    public static func load(path: String, channels: ChannelProfiles, displayPath: String? = nil,
                            references: ManualReferences = .empty, today: String? = nil) -> (Manual?, [Diagnostic]) {
        let doc = YAMLDocument(path: path, displayPath: displayPath)
        let manual = read(doc, Context(channels: channels, references: references, today: today), expectedID: expectedID(path))
        return (manual, doc.diagnostics)
    }

    public static func load(data: Data, file: String, channels: ChannelProfiles,
                            references: ManualReferences = .empty, today: String? = nil) -> (Manual?, [Diagnostic]) {
        let doc = YAMLDocument(data: data, file: file)
        let manual = read(doc, Context(channels: channels, references: references, today: today), expectedID: expectedID(file))
        return (manual, doc.diagnostics)
    }

    /// What a manual is checked against besides itself.
    struct Context {
        var channels: ChannelProfiles
        var references: ManualReferences
        var today: String?
        /// The manual's revision date: channel limits are those in force on it.
        var revised: String?
        var limits: [String: Int] = [:]
        /// `limits` for English texts: a typed value's English form where it is longer. Made
        /// once per manual, not once per template.
        var englishLimits: [String: Int] = [:]
    }

    static func expectedID(_ path: String) -> String {
        let name = (path as NSString).lastPathComponent
        for ext in [".yaml", ".yml"] where name.hasSuffix(ext) { return String(name.dropLast(ext.count)) }
        return name
    }

    static func isIdentifier(_ s: String, allowUpper: Bool) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 64 else { return false }
        let ok: (Unicode.Scalar) -> Bool = { c in
            ("a"..."z").contains(c) || ("0"..."9").contains(c) || c == "-" || (allowUpper && ("A"..."Z").contains(c))
        }
        return s.unicodeScalars.allSatisfy(ok) && first != "-"
    }

    static func isVariableName(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.unicodeScalars.count <= 40 else { return false }
        return (("a"..."z").contains(first) || first == "_")
            && s.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }
    }

    static let manualKeys = ["id", "title", "category", "department", "revised", "variables", "phases", "owner", "reviewed",
                             "cap", "public_updates", "all_clear"]
    static let variableKeys = ["id", "label", "max_length", "required", "example", "offers", "type", "unit", "min", "max", "choices", "english"]
    static let phaseKeys = ["id", "title", "steps"]
    static let stepKeys = ["id", "title", "instructions", "role", "target_minutes", "from_level", "contacts", "message",
                           "from_stage", "legal_basis", "shelters", "closures"]
    static let contactKeys = ["name", "phone"]
    static let messageKeys = ["class", "channels", "text", "cap", "headline", "instruction", "area", "authority"]
    /// A manual's `cap:` block: the disaster type's defaults. Urgency, severity and certainty are
    /// not here: they follow from each message's class and the level (`CAPProfile.assessment`).
    static let manualCAPKeys = ["category", "event", "response", "expires", "web"]
    /// A template's `cap:` block refines its manual's; every key is optional.
    static let capKeys = ["category", "event", "response", "urgency", "severity", "certainty", "expires", "web"]

    static func read(_ doc: YAMLDocument, _ context: Context, expectedID: String) -> Manual? {
        var context = context
        guard let root = doc.root,
              let map = doc.mapping(root, what: "a manual", keys: manualKeys, required: ["id", "title", "category", "department", "revised", "phases"])
        else { return nil }

        let id = map["id"].flatMap { node -> String? in
            guard let id = doc.string(node, what: "manual id") else { return nil }
            if !isIdentifier(id, allowUpper: false) {
                doc.error(node, "manual id '\(doc.printable(id))' must be lower-case letters, digits and '-'")
            } else if id != expectedID {
                doc.error(node, "manual id '\(id)' does not match the file name '\(expectedID).yaml'")
            }
            return id
        }
        let title = map["title"].flatMap { doc.localized($0, what: "title") }
        let category = map["category"].flatMap { doc.word($0, what: "category", allowed: DisasterCategory.allCases.map(\.rawValue)) }
            .flatMap(DisasterCategory.init(rawValue:))
        let department = map["department"].flatMap { doc.localized($0, what: "department") }
        let revised = map["revised"].flatMap { node -> String? in
            guard let s = doc.string(node, what: "revised") else { return nil }
            guard isDate(s) else {
                doc.error(node, "revised must be a date written YYYY-MM-DD, found '\(doc.printable(s))'")
                return nil
            }
            return s
        }
        let owner = map["owner"].flatMap { doc.localized($0, what: "owner") }
        let reviewed = map["reviewed"].flatMap { node -> String? in
            guard let s = doc.string(node, what: "reviewed") else { return nil }
            guard isDate(s) else {
                doc.error(node, "reviewed must be a date written YYYY-MM-DD, found '\(doc.printable(s))'")
                return nil
            }
            if let today = context.today, ManualReview.isStale(reviewed: s, today: today) {
                doc.warning(node, "last reviewed \(s), more than a year before \(today): have the owner review the manual and update reviewed")
            }
            return s
        }
        let variables = map["variables"].map { readVariables($0, doc) } ?? []
        var limits = builtinPlaceholders
        for v in variables {
            limits[v.id] = v.maxLength
            // A typed value's English form can be longer than max_length (Yeongdeungpo-gu):
            // English texts are checked at that length (key `id.en`, never a placeholder name).
            if v.longestValue > v.maxLength { limits[IncidentVariable.englishKey(v.id)] = v.longestValue }
        }
        context.revised = revised
        context.limits = limits
        context.englishLimits = limits.reduce(into: [:]) { $0[$1.key] = limits[IncidentVariable.englishKey($1.key)] ?? $1.value }
        let cap = map["cap"].flatMap { readCAP($0, doc, keys: manualCAPKeys, what: "cap", required: ["category", "event"]) }
        let publicUpdates = map["public_updates"].flatMap { readPublicUpdates($0, doc) }
        let allClear = map["all_clear"].flatMap { node -> Localized? in
            guard let text = doc.localized(node, what: "all_clear") else { return nil }
            let parts = languageNodes(node)
            for language in Language.allCases { if let n = parts[language] { checkPlaceholders(text[language], node: n, doc, limits: limits) } }
            return text
        }

        var phases: [Phase] = []
        var phaseIDs: [String: SourceLocation] = [:]
        var stepIDs: [String: SourceLocation] = [:]
        if let node = map["phases"], let list = doc.sequence(node, what: "phases") {
            if list.isEmpty { doc.error(node, "a manual needs at least one phase") }
            for item in list {
                guard let p = doc.mapping(item, what: "a phase", keys: phaseKeys, required: ["id", "title", "steps"]) else { continue }
                let pid = p["id"].flatMap { node -> String? in
                    guard let s = doc.string(node, what: "phase id") else { return nil }
                    if let first = phaseIDs[s] { doc.error(node, "duplicate phase id '\(s)' (first at \(first))") }
                    phaseIDs[s] = doc.location(node)
                    return s
                }
                let ptitle = p["title"].flatMap { doc.localized($0, what: "phase title") }
                var steps: [Step] = []
                if let stepsNode = p["steps"], let list = doc.sequence(stepsNode, what: "steps") {
                    if list.isEmpty { doc.error(stepsNode, "a phase needs at least one step") }
                    for s in list {
                        if let step = readStep(s, doc, context, stepIDs: &stepIDs) { steps.append(step) }
                    }
                }
                if let pid, let ptitle { phases.append(Phase(id: pid, title: ptitle, steps: steps)) }
            }
        }
        guard let id, let title, let category, let department, let revised, doc.diagnostics.allSatisfy({ $0.severity != .error }) else {
            return nil
        }
        var manual = Manual(id: id, title: title, category: category, department: department, revised: revised,
                            variables: variables, phases: phases, file: doc.file, owner: owner, reviewed: reviewed)
        manual.cap = cap
        manual.publicUpdates = publicUpdates
        manual.allClear = allClear
        return manual
    }

    /// `cap:` of a manual or a template. Durations are written like the sender's (`90m`, `6h`).
    static func readCAP(_ node: Node, _ doc: YAMLDocument, keys: [String], what: String, required: [String] = []) -> CAPMapping? {
        guard let map = doc.mapping(node, what: what, keys: keys, required: required) else { return nil }
        var m = CAPMapping()
        m.category = map["category"].flatMap { doc.word($0, what: "\(what).category", allowed: CAPInfo.categories) }
        m.event = map["event"].flatMap { doc.localized($0, what: "\(what).event") }
        m.urgency = map["urgency"].flatMap { doc.word($0, what: "\(what).urgency", allowed: CAPInfo.urgencies) }
        m.severity = map["severity"].flatMap { doc.word($0, what: "\(what).severity", allowed: CAPInfo.severities) }
        m.certainty = map["certainty"].flatMap { doc.word($0, what: "\(what).certainty", allowed: CAPInfo.certainties) }
        if let n = map["response"] {
            let items: [Node]
            if case .sequence = n { items = doc.sequence(n, what: "\(what).response") ?? [] } else { items = [n] }
            m.responseTypes = items.compactMap { doc.word($0, what: "\(what).response", allowed: CAPMapping.responseTypes) }
        }
        if let n = map["expires"], let text = doc.string(n, what: "\(what).expires") {
            if let d = SenderConfig.parseDuration(text), d >= 60, d <= 7 * 86_400 { m.expires = d }
            else { doc.error(n, "\(what).expires must be a duration from 1m to 168h written like 90m or 6h, found '\(doc.printable(text))'") }
        }
        if let n = map["web"], let text = doc.string(n, what: "\(what).web") {
            if let u = URL(string: text), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host?.isEmpty == false { m.web = text }
            else { doc.error(n, "\(what).web must be a full http(s) URL, found '\(doc.printable(text))'") }
        }
        return m
    }

    /// The `ko:` and `en:` value nodes of a mapping already checked by `doc.localized`, for
    /// messages that point into one language (reading them again would repeat its errors).
    static func languageNodes(_ node: Node) -> [Language: Node] {
        guard case .mapping(let mapping) = node else { return [:] }
        var result: [Language: Node] = [:]
        for (key, value) in mapping { if let k = key.string, let l = Language(rawValue: k) { result[l] = value } }
        return result
    }

    /// `public_updates: {주의: 60, 경계: 30, 심각: 15}`: minutes between public messages per level.
    static func readPublicUpdates(_ node: Node, _ doc: YAMLDocument) -> [AlertLevel: Int]? {
        guard let map = doc.mapping(node, what: "public_updates", keys: AlertLevel.allNames) else { return nil }
        var result: [AlertLevel: Int] = [:]
        for (name, value) in map.sorted(by: { $0.key < $1.key }) {
            guard let level = AlertLevel(name: name), let minutes = doc.int(value, what: "public_updates.\(name)", range: 1...1440) else { continue }
            if result[level] != nil { doc.error(value, "public_updates names \(level.korean) twice") }
            result[level] = minutes
        }
        return result.isEmpty ? nil : result
    }

    static func isDate(_ s: String) -> Bool {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return false }
        let days = [31, (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        return (1...12).contains(m) && d >= 1 && d <= days[m - 1]
    }

    static func readVariables(_ node: Node, _ doc: YAMLDocument) -> [IncidentVariable] {
        guard let list = doc.sequence(node, what: "variables") else { return [] }
        var result: [IncidentVariable] = []
        var seen: [String: SourceLocation] = [:]
        for item in list {
            guard let v = doc.mapping(item, what: "a variable", keys: variableKeys, required: ["id", "label", "max_length"]) else { continue }
            let id = v["id"].flatMap { node -> String? in
                guard let s = doc.string(node, what: "variable id") else { return nil }
                if !isVariableName(s) {
                    doc.error(node, "variable id '\(doc.printable(s))' must be lower-case letters, digits and '_'")
                    return nil
                }
                if builtinPlaceholders[s] != nil { doc.error(node, "variable id '\(s)' is a built-in placeholder; choose another name") }
                if let first = seen[s] { doc.error(node, "duplicate variable id '\(s)' (first at \(first))") }
                seen[s] = doc.location(node)
                return s
            }
            let label = v["label"].flatMap { doc.localized($0, what: "variable label") }
            let maxLength = v["max_length"].flatMap { doc.int($0, what: "max_length", range: 1...500) }
            let required = v["required"].flatMap { doc.bool($0, what: "required") } ?? true
            let example = v["example"].flatMap { doc.string($0, what: "example") }
            let offers = v["offers"].flatMap { doc.word($0, what: "offers", allowed: Place.Kind.allCases.map(\.listKey)) }
                .flatMap { key in Place.Kind.allCases.first { $0.listKey == key } }
            let type = readVariableType(v, item, doc, maxLength: maxLength)
            if let id, let label, let maxLength {
                let variable = IncidentVariable(id: id, label: label, maxLength: maxLength, required: required, example: example,
                                                offers: offers, type: type)
                // The example is what an author expects officers to type: it must pass the check.
                if let example, let node = v["example"], case .failure(let refusal) = variable.validate(example) {
                    doc.error(node, "example '\(doc.printable(example))' is refused by the variable's type: \(refusal.message.en)")
                }
                result.append(variable)
            }
        }
        return result
    }

    /// `type:` and the keys that go with it (unit/min/max for number, choices for choice,
    /// english for text), each refused with its place where it does not belong.
    static func readVariableType(_ v: [String: Node], _ item: Node, _ doc: YAMLDocument, maxLength: Int?) -> VariableType? {
        let name = v["type"].flatMap { doc.word($0, what: "variable type", allowed: VariableType.names) }
        let allowed: [String: [String]] = ["number": ["unit", "min", "max"], "choice": ["choices"], "text": ["english"]]
        for key in ["unit", "min", "max", "choices", "english"] {
            guard let node = v[key] else { continue }
            let owner = allowed.first { $0.value.contains(key) }!.key
            if (name ?? "text") != owner { doc.error(node, "'\(key)' belongs to a variable of type \(owner), not \(name ?? "text (the default)")") }
        }
        switch name {
        case nil, "text":
            let english = v["english"].flatMap { doc.bool($0, what: "english") } ?? false
            return name == nil && !english ? nil : .text(english: english)
        case "number":
            func bound(_ key: String) -> Double? {
                guard let node = v[key] else { return nil }
                guard case .scalar(let s) = node, let d = Double(Trimming.whitespace(s.string)), d.isFinite else {
                    doc.error(node, "\(key) must be a number, found \(doc.describe(node))")
                    return nil
                }
                return d
            }
            let min = bound("min"), max = bound("max")
            if let min, let max, min > max, let node = v["max"] { doc.error(node, "max (\(max)) is below min (\(min))") }
            let unit = v["unit"].flatMap { doc.localized($0, what: "unit") }
            return .number(unit: unit, min: min, max: max)
        case "district":
            if let maxLength, maxLength < 4, let node = v["max_length"] {
                doc.error(node, "max_length \(maxLength) is too short for a district name (동대문구, 영등포구 need 4)")
            }
            return .district
        case "time":
            if let maxLength, maxLength < 5, let node = v["max_length"] { doc.error(node, "max_length \(maxLength) is too short for HH:MM") }
            return .time
        case "choice":
            guard let node = v["choices"] else {
                doc.error(item, "a variable of type choice needs 'choices': a list of {ko: …, en: …}")
                return nil
            }
            guard let list = doc.sequence(node, what: "choices") else { return nil }
            var entries: [Localized] = []
            for entry in list {
                guard let l = doc.localized(entry, what: "a choice") else { continue }
                // max_length counts the Korean form (what CBS texts carry); English texts are
                // length-checked with the longest English form (ManualLoader.read).
                if let maxLength, l.ko.count > maxLength {
                    doc.error(entry, "choice '\(l.ko)' is longer than max_length \(maxLength)")
                }
                if entries.contains(where: { $0.ko == l.ko || $0.en.lowercased() == l.en.lowercased() }) {
                    doc.error(entry, "duplicate choice '\(l.ko)'")
                }
                entries.append(l)
            }
            if entries.isEmpty { doc.error(node, "choices is empty") ; return nil }
            return .choice(entries)
        default:
            return nil
        }
    }

    static func readStep(_ node: Node, _ doc: YAMLDocument, _ context: Context,
                         stepIDs: inout [String: SourceLocation]) -> Step? {
        guard let s = doc.mapping(node, what: "a step", keys: stepKeys,
                                  required: ["id", "title", "instructions", "role", "target_minutes"]) else { return nil }
        if s["from_level"] == nil && s["from_stage"] == nil {
            doc.error(node, "a step needs from_level (national alert level) or from_stage (the city's duty stage), or both")
        }
        var id: String?
        if let idNode = s["id"], let value = doc.string(idNode, what: "step id") {
            if !isIdentifier(value, allowUpper: true) {
                doc.error(idNode, "step id '\(doc.printable(value))' must be letters, digits and '-'")
            }
            if let first = stepIDs[value] {
                doc.error(idNode, "duplicate step id '\(value)' (first at \(first))")
            } else {
                stepIDs[value] = doc.location(idNode)
            }
            id = value
        }
        let title = s["title"].flatMap { doc.localized($0, what: "step title") }
        let instructions = s["instructions"].flatMap { doc.localized($0, what: "instructions", multiline: true) }
        let role = s["role"].flatMap { doc.localized($0, what: "role") }
        let target = s["target_minutes"].flatMap { doc.int($0, what: "target_minutes", range: 0...10_080) }
        let stage = s["from_stage"].flatMap { node -> DutyStage? in
            guard let w = doc.word(node, what: "from_stage", allowed: DutyStage.allNames) else { return nil }
            return DutyStage(name: w)
        }
        // A step that names only a stage still applies at 심각, where every step applies.
        let level: AlertLevel?
        if let node = s["from_level"] {
            level = doc.word(node, what: "from_level", allowed: AlertLevel.allNames).flatMap(AlertLevel.init(name:))
        } else {
            level = stage != nil ? .serious : nil
        }
        var contacts: [Contact] = []
        if let c = s["contacts"], let list = doc.sequence(c, what: "contacts") {
            for item in list {
                if case .scalar = item {
                    // An id from contacts.yaml.
                    guard let id = doc.string(item, what: "contact id") else { continue }
                    if let found = context.references.contact(id: id) {
                        contacts.append(Contact(name: found.name, phone: found.phone, id: found.id, role: found.role, allHours: found.allHours))
                    } else {
                        var message = "unknown contact '\(doc.printable(id))' (not in contacts.yaml)"
                        if let near = YAMLDocument.closest(to: id, in: context.references.contacts.map(\.id)) { message += "; did you mean '\(near)'?" }
                        doc.error(item, message)
                    }
                    continue
                }
                guard let m = doc.mapping(item, what: "a contact", keys: contactKeys, required: ["name", "phone"]) else { continue }
                let name = m["name"].flatMap { doc.localized($0, what: "contact name") }
                let phone = m["phone"].flatMap { doc.phone($0) }
                if let name, let phone { contacts.append(Contact(name: name, phone: phone)) }
            }
        }
        let message = s["message"].flatMap { readTemplate($0, doc, context) }
        let legal = s["legal_basis"].map { node -> [LegalReference] in
            guard let list = doc.sequence(node, what: "legal_basis") else { return [] }
            return list.compactMap { item -> LegalReference? in
                guard let text = doc.string(item, what: "legal basis") else { return nil }
                if let ref = LegalReference.parse(text) { return ref }
                let known = LegalReference.known.map { "\($0.act) \($0.article)" }
                var message = "unknown legal basis '\(doc.printable(text))'; write the act and article, e.g. '재난안전법 40'"
                if let near = YAMLDocument.closest(to: text, in: known) { message += "; did you mean '\(near)'?" }
                else { message += " (known: \(known.joined(separator: ", ")))" }
                doc.error(item, message)
                return nil
            }
        } ?? []
        let shelters = s["shelters"].map { readPlaceIDs($0, kind: .shelter, doc, context) } ?? []
        let closures = s["closures"].map { readPlaceIDs($0, kind: .closure, doc, context) } ?? []
        guard let id, let title, let instructions, let role, let target, let level else { return nil }
        return Step(id: id, title: title, instructions: instructions, role: role, targetMinutes: target, fromLevel: level,
                    contacts: contacts, message: message, location: doc.location(node), fromStage: stage,
                    legalBasis: legal, shelters: shelters, closures: closures)
    }

    static func readPlaceIDs(_ node: Node, kind: Place.Kind, _ doc: YAMLDocument, _ context: Context) -> [Place] {
        guard let list = doc.sequence(node, what: kind.listKey) else { return [] }
        return list.compactMap { item -> Place? in
            guard let id = doc.string(item, what: "\(kind.rawValue) id") else { return nil }
            if let place = context.references.place(id: id, kind: kind) { return place }
            var message = "unknown \(kind.rawValue) '\(doc.printable(id))' (not among the \(kind.listKey) in places.yaml)"
            if let near = YAMLDocument.closest(to: id, in: context.references.places(kind).map(\.id)) { message += "; did you mean '\(near)'?" }
            doc.error(item, message)
            return nil
        }
    }

    /// `area:` codes must be Seoul's; a district sends only within one district of its own.
    static func readArea(_ node: Node, authority: SendingAuthority?, authorityNode: Node?, _ doc: YAMLDocument) -> [String] {
        guard let list = doc.sequence(node, what: "area") else { return [] }
        if list.isEmpty { doc.error(node, "area needs at least one code (11 for all of Seoul)") }
        var codes: [String] = []
        var districts: Set<String> = []
        var wholeCity = false
        for item in list {
            guard let code = doc.string(item, what: "area code") else { continue }
            switch SeoulAreas.area(code: code) {
            case .failure(let problem):
                doc.error(item, "bad area code '\(doc.printable(code))': \(problem)")
            case .success(let area):
                if let d = area.district { districts.insert(d.code) } else { wholeCity = true }
                codes.append(code)
            }
        }
        if authority == .district, let at = authorityNode, wholeCity || districts.count > 1 {
            doc.error(at, "a district sends only within its own district, but the area spans \(wholeCity ? "all of Seoul" : "\(districts.count) districts"); use authority: city")
        }
        return codes
    }

    static func readTemplate(_ node: Node, _ doc: YAMLDocument, _ context: Context) -> MessageTemplate? {
        let channels = context.channels, limits = context.limits
        guard let m = doc.mapping(node, what: "a message template", keys: messageKeys, required: ["class", "channels", "text"]) else { return nil }
        let cls = m["class"].flatMap { doc.word($0, what: "message class", allowed: MessageClass.allCases.map(\.rawValue)) }
            .flatMap(MessageClass.init(rawValue:))
        var targets: [(String, Node)] = []
        if let c = m["channels"], let list = doc.sequence(c, what: "channels") {
            if list.isEmpty { doc.error(c, "a message template needs at least one channel") }
            for item in list {
                guard let name = doc.string(item, what: "channel") else { continue }
                if channels[name] == nil {
                    var message = "unknown channel '\(doc.printable(name))'"
                    if let s = YAMLDocument.closest(to: name, in: channels.ids) { message += "; did you mean '\(s)'?" }
                    else { message += " (known: \(channels.ids.joined(separator: ", ")))" }
                    doc.error(item, message)
                } else if targets.contains(where: { $0.0 == name }) {
                    doc.error(item, "channel '\(name)' is listed twice")
                } else {
                    targets.append((name, item))
                }
            }
        }
        var text: Localized?
        if let t = m["text"], let map = doc.mapping(t, what: "message text", keys: ["ko", "en"]) {
            var values: [Language: String] = [:]
            for language in Language.allCases {
                guard let n = map[language.rawValue], let value = doc.string(n, what: "text.\(language.rawValue)", allowEmpty: true) else { continue }
                values[language] = value
                checkPlaceholders(value, node: n, doc, limits: limits)
            }
            let candidate = Localized(ko: values[.ko] ?? "", en: values[.en] ?? "")
            for (name, channelNode) in targets {
                guard let profile = channels[name] else { continue }
                for language in profile.languages where candidate[language].isEmpty {
                    doc.error(channelNode, "channel '\(name)' posts in \(language.rawValue), but text.\(language.rawValue) is empty")
                }
            }
            // The compose rule (`Compose.check`): text no channel posts would be refused at queue time.
            let known = targets.map(\.0).filter { channels[$0] != nil }
            if !known.isEmpty && known.count == targets.count {
                for language in Language.allCases where !candidate[language].isEmpty
                    && !known.contains(where: { channels[$0]?.languages.contains(language) == true }) {
                    guard let n = map[language.rawValue] else { continue }
                    doc.error(n, "text.\(language.rawValue) would be posted nowhere: none of its channels (\(known.joined(separator: ", "))) posts in \(language.rawValue)")
                }
            }
            if let cls {
                for language in Language.allCases {
                    guard let value = values[language], !value.isEmpty, let n = map[language.rawValue] else { continue }
                    let languageLimits = language == .en ? context.englishLimits : limits
                    let worst = OutboxMessage.drillPrefix[language] + fillAtMaximum(value, limits: languageLimits)
                    var lengths: [CountingRule: Int] = [:]
                    for (name, _) in targets {
                        guard let profile = channels[name], profile.languages.contains(language) else { continue }
                        let length = lengths[profile.counting] ?? profile.length(of: worst)
                        lengths[profile.counting] = length
                        let limit = context.revised.map { profile.limit(for: cls, on: $0) } ?? profile.baseLimit(for: cls)
                        if length > limit {
                            let when = context.revised.map { " in force on \($0)" } ?? ""
                            doc.error(n, "text.\(language.rawValue) is \(length) long on \(name), over its limit of \(limit)\(when) for \(cls.rawValue) messages by \(length - limit) (counted as \(profile.counting.rawValue), placeholders at their max_length, drill prefix included)")
                        }
                    }
                }
            }
            text = candidate
        }
        let cap = m["cap"].flatMap { readCAP($0, doc, keys: capKeys, what: "cap") }
        var extra: [String: Localized] = [:]
        for key in ["headline", "instruction"] {
            guard let n = m[key], let value = doc.localized(n, what: key, allowEmpty: key == "instruction", multiline: key == "instruction") else { continue }
            let parts = languageNodes(n)
            for language in Language.allCases {
                guard let p = parts[language] else { continue }
                checkPlaceholders(value[language], node: p, doc, limits: limits)
                if key == "headline" {
                    // Counted like the renderer writes it: the drill prefix in front, placeholders at their longest.
                    let worst = OutboxMessage.drillPrefix[language] + fillAtMaximum(value[language], limits: limits)
                    if worst.count > CAPProfile.headlineLimit {
                        doc.error(p, "headline.\(language.rawValue) is \(worst.count) characters, over CAP's \(CAPProfile.headlineLimit) by \(worst.count - CAPProfile.headlineLimit) (placeholders at their max_length, drill prefix included)")
                    }
                }
            }
            extra[key] = value
        }
        let authority = m["authority"].flatMap { doc.word($0, what: "authority", allowed: SendingAuthority.allCases.map(\.rawValue)) }
            .flatMap(SendingAuthority.init(rawValue:))
        let area = m["area"].map { readArea($0, authority: authority, authorityNode: m["authority"], doc) } ?? []
        guard let cls, let text else { return nil }
        return MessageTemplate(messageClass: cls, channels: targets.map(\.0), text: text, cap: cap,
                               headline: extra["headline"], instruction: extra["instruction"], area: area, authority: authority)
    }

    /// Every `{name}` in a template: names and their ranges, plus unbalanced braces.
    public static func placeholders(in text: String) -> [String] {
        braces(in: text).map { String(text[text.index(after: $0.open)..<$0.close]) }
    }

    /// Where each placeholder is: every Character `{` with the first `}` after it, scanning on
    /// after that `}`. When every scalar of the text is a Character of its own (Korean and
    /// English text as the manuals write it) the braces are found in the bytes, without the
    /// grapheme breaking a Character search costs; otherwise Character by Character.
    static func braces(in text: String) -> [(open: String.Index, close: String.Index)] {
        guard text.utf8.contains(UInt8(ascii: "{")) else { return [] }
        var found: [(open: String.Index, close: String.Index)] = []
        if text.unicodeScalars.allSatisfy(TextLength.isAlwaysOwnCluster) {
            let bytes = text.utf8
            var from = bytes.startIndex
            while let open = bytes[from...].firstIndex(of: UInt8(ascii: "{")),
                  let close = bytes[open...].firstIndex(of: UInt8(ascii: "}")) {
                found.append((open, close))
                from = bytes.index(after: close)
            }
        } else {
            var rest = text[...]
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                found.append((open, close))
                rest = rest[rest.index(after: close)...]
            }
        }
        return found
    }

    /// The braces of a text in order, as Characters (bytes when every scalar is a Character of its own).
    static func braceSequence(_ text: String) -> [Bool] {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }) else { return [] }
        if text.unicodeScalars.allSatisfy(TextLength.isAlwaysOwnCluster) {
            return text.utf8.compactMap { $0 == UInt8(ascii: "{") ? true : $0 == UInt8(ascii: "}") ? false : nil }
        }
        return text.compactMap { $0 == "{" ? true : $0 == "}" ? false : nil }
    }

    static func checkPlaceholders(_ text: String, node: Node, _ doc: YAMLDocument, limits: [String: Int]) {
        for name in placeholders(in: text) where limits[name] == nil {
            var message = "placeholder {\(doc.printable(name))} is not a declared variable"
            if let s = YAMLDocument.closest(to: name, in: Array(limits.keys).sorted()) { message += "; did you mean {\(s)}?" }
            else { message += " (declared: \(limits.keys.sorted().map { "{\($0)}" }.joined(separator: " ")))" }
            doc.error(at: doc.location(of: "{\(name)}", in: node), message)
        }
        var depth = 0
        for isOpen in braceSequence(text) {
            depth += isOpen ? 1 : -1
            if depth < 0 || depth > 1 {
                doc.error(node, "unbalanced braces in template text: write placeholders as {name}")
                return
            }
        }
        if depth != 0 { doc.error(node, "unbalanced braces in template text: write placeholders as {name}") }
    }

    /// The template with every placeholder replaced by its longest value (wide Hangul characters),
    /// so that a template that passes lint fits its channels whatever the operator types.
    public static func fillAtMaximum(_ text: String, limits: [String: Int]) -> String {
        var out = ""
        var from = text.startIndex
        for (open, close) in braces(in: text) {
            out += text[from..<open]
            let name = String(text[text.index(after: open)..<close])
            out += String(repeating: "가", count: limits[name] ?? 0)
            from = text.index(after: close)
        }
        return out + text[from...]
    }
}
