import Foundation
import Yams

/// The scenarios of a directory and everything found wrong with them.
public struct ScenarioSet: Sendable {
    public var scenarios: [Scenario]
    public var diagnostics: [Diagnostic]
    public init(scenarios: [Scenario], diagnostics: [Diagnostic]) {
        self.scenarios = scenarios; self.diagnostics = diagnostics
    }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public func scenario(id: String) -> Scenario? { scenarios.first { $0.id == id } }
}

/// Reads drill scenarios (`manuals/scenarios/*.yaml`, format in manuals/scenarios/README.md) and
/// reports every problem with its `file:line:col`, through the same `YAMLDocument` as the manual
/// loader, so `haechi lint` lists scenario mistakes next to manual mistakes in one style.
///
/// Given the manuals it also checks what only makes sense against them: the manual exists, the
/// expected steps are its steps, the variables are its variables.
public struct ScenarioLoader: Sendable {
    /// The directory under a manuals directory where scenarios live.
    public static let directoryName = "scenarios"

    public var manuals: [Manual]?
    /// The channel ids of `channels.yaml`, for the channels an expectation names; nil: not checked.
    public var channels: [String]?

    /// Without manuals only the file's own shape is checked.
    public init(manuals: [Manual]? = nil, channels: [String]? = nil) { self.manuals = manuals; self.channels = channels }
    /// A library without channel profiles checks no channel names (it has none to check against).
    public init(library: ManualLibrary) {
        self.manuals = library.manuals
        self.channels = library.channels.ids.isEmpty ? nil : library.channels.ids
    }

    /// Whether a YAML file is a drill scenario rather than a manual: its top level has `injects`
    /// and no `phases`. Lint uses it so that a scenario is checked as one wherever it lies.
    public static func isScenario(path: String) -> Bool {
        guard case .mapping(let map)? = YAMLDocument(path: path).root else { return false }
        let keys = Set(map.keys.compactMap(\.string))
        return keys.contains("injects") && !keys.contains("phases")
    }

    /// Whether a folder holds scenarios rather than manuals: it is called `scenarios`, or it has
    /// no `channels.yaml` and every YAML file in it is a scenario.
    public static func isScenarioDirectory(_ path: String) -> Bool {
        let dir = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        if (dir as NSString).lastPathComponent == directoryName { return true }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        guard !names.contains(ChannelProfileLoader.fileName) else { return false }
        let yaml = names.filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
        return !yaml.isEmpty && yaml.allSatisfy { isScenario(path: dir + "/" + $0) }
    }

    /// Loads every `*.yaml` / `*.yml` in `directory` (not recursive), sorted by file name.
    /// A missing directory is no scenarios, not an error: a city may ship none.
    public func load(directory: String) -> ScenarioSet {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { ($0.hasSuffix(".yaml") || $0.hasSuffix(".yml")) && !$0.hasPrefix(".") }
            .sorted()
        var scenarios: [Scenario] = []
        var diagnostics: [Diagnostic] = []
        var seen: [String: String] = [:]
        // Each file is independent: read them on all cores (as the manuals are), then merge in
        // name order so the output and duplicate-id detection stay deterministic.
        let results = UnsafeMutableBufferPointer<(scenario: Scenario?, diagnostics: [Diagnostic])>.allocate(capacity: names.count)
        results.initialize(repeating: (nil, []))
        defer { results.deinitialize(); results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: names.count) { i in
            slots[i] = load(file: dir + "/" + names[i])
        }
        for (i, name) in names.enumerated() {
            let path = dir + "/" + name
            let (scenario, found) = results[i]
            diagnostics += found
            guard let scenario else { continue }
            if let first = seen[scenario.id] {
                diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error,
                                              "scenario id '\(scenario.id)' is already used by \(first)"))
                continue
            }
            seen[scenario.id] = path
            scenarios.append(scenario)
        }
        return ScenarioSet(scenarios: scenarios, diagnostics: diagnostics)
    }

    public func load(file path: String, displayPath: String? = nil) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        let doc = YAMLDocument(path: path, displayPath: displayPath)
        let scenario = read(doc)
        return (scenario, doc.diagnostics)
    }

    /// Parses one scenario from text. Returns nil when an error makes it unusable; warnings alone
    /// still return it.
    public func parse(yaml: String, file: String) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        let doc = YAMLDocument(data: Data(yaml.utf8), file: file)
        let scenario = read(doc)
        return (scenario, doc.diagnostics)
    }

    static let scenarioKeys = ["id", "title", "brief", "manual", "start_level", "variables", "injects"]
    static let injectKeys = ["id", "at", "text", "level", "expect"]
    static let expectKeys = ["steps", "within", "message", "no_message", "correction", "level", "stage"]
    static let matchKeys = ["class", "channels"]

    // MARK: - Shape

    private func read(_ doc: YAMLDocument) -> Scenario? {
        guard let root = doc.root,
              let map = doc.mapping(root, what: "a scenario", keys: Self.scenarioKeys,
                                    required: ["id", "title", "manual", "start_level", "injects"])
        else { return nil }

        let expectedID = ManualLoader.expectedID(doc.file)
        let id = map["id"].flatMap { node -> String? in
            guard let id = doc.string(node, what: "scenario id") else { return nil }
            if !ManualLoader.isIdentifier(id, allowUpper: false) {
                doc.error(node, "scenario id '\(doc.printable(id))' must be lower-case letters, digits and '-'")
                return nil
            }
            // `haechi drill heavy-rain-gangnam` finds the file by this name.
            if id != expectedID { doc.error(node, "scenario id '\(id)' does not match the file name '\(expectedID).yaml'") }
            return id
        }
        let title = map["title"].flatMap { doc.localized($0, what: "title") }
        let brief = map["brief"].flatMap { doc.localized($0, what: "brief", multiline: true) }
        let manualID = map["manual"].flatMap { doc.string($0, what: "manual") }
        let startLevel = map["start_level"].flatMap { level($0, doc, what: "start_level") }
        var variables: [String: String] = [:]
        if let node = map["variables"], case .mapping(let pairs) = node {
            for (key, value) in pairs {
                guard let name = doc.string(key, what: "variable name") else { continue }
                if let text = doc.string(value, what: "variable '\(name)'") { variables[name] = text }
            }
        } else if let node = map["variables"] {
            doc.error(node, "variables must be a mapping (name: value), found \(doc.describe(node))")
        }

        var injects: [Inject] = []
        // Where things were written, so checks against the manual point at the exact word.
        var expectNodes: [String: ExpectNodes] = [:]    // inject id → where its expectation says what
        var levelNodes: [String: Node] = [:]            // inject id → its level
        if let node = map["injects"], let list = doc.sequence(node, what: "injects") {
            if list.isEmpty { doc.error(node, "a scenario needs at least one inject") }
            for (index, item) in list.enumerated() {
                if let (inject, nodes) = readInject(item, index: index, doc) {
                    injects.append(inject)
                    expectNodes[inject.id] = nodes
                    if case .mapping(let m) = item, let l = m["level"] { levelNodes[inject.id] = l }
                }
            }
        }
        checkOrder(injects, doc)

        guard let id, let title, let manualID, let startLevel else { return nil }
        let scenario = Scenario(id: id, title: title, brief: brief, manual: manualID, startLevel: startLevel,
                                variables: variables, injects: injects, file: doc.file)
        if let channels {
            for inject in injects {
                for (channel, node) in expectNodes[inject.id]?.channels ?? [] where !channels.contains(channel) {
                    var message = "unknown channel '\(doc.printable(channel))'"
                    if let near = YAMLDocument.closest(to: channel, in: channels) { message += "; did you mean '\(near)'?" }
                    else { message += " (channels.yaml has: \(channels.joined(separator: ", ")))" }
                    doc.error(node, message)
                }
            }
        }
        if let manuals {
            check(scenario, against: manuals, map: map, root: root, expectNodes: expectNodes, levelNodes: levelNodes, doc)
        }
        return doc.diagnostics.contains { $0.severity == .error } ? nil : scenario
    }

    private func level(_ node: Node, _ doc: YAMLDocument, what: String) -> AlertLevel? {
        doc.word(node, what: what, allowed: AlertLevel.allNames).flatMap(AlertLevel.init(name:))
    }

    /// Minutes as a number (`3`, `2.5`) or as `T+3` / `T+2:30`.
    private func minutes(_ node: Node, _ doc: YAMLDocument, what: String) -> TimeInterval? {
        guard case .scalar(let scalar) = node, let seconds = ScenarioTime.parse(scalar.string) else {
            doc.error(node, "\(what) must be minutes from the start, like 3, 2.5, \"T+3\" or \"T+2:30\"; found \(doc.describe(node))")
            return nil
        }
        return seconds
    }

    private func readInject(_ node: Node, index: Int, _ doc: YAMLDocument) -> (Inject, ExpectNodes)? {
        guard let map = doc.mapping(node, what: "an inject", keys: Self.injectKeys, required: ["at", "text"]) else { return nil }
        // Positional ids keep short scenarios short; an explicit id keeps past drills' scores valid
        // when injects are inserted later.
        var id: String? = "inject-\(index + 1)"
        if let idNode = map["id"] {
            id = doc.string(idNode, what: "inject id")
            if let value = id, !ManualLoader.isIdentifier(value, allowUpper: false) {
                doc.error(idNode, "inject id '\(doc.printable(value))' must be lower-case letters, digits and '-'")
            }
        }
        let at = map["at"].flatMap { minutes($0, doc, what: "at") }
        let text = map["text"].flatMap { doc.localized($0, what: "inject text", multiline: true) }
        let level = map["level"].flatMap { self.level($0, doc, what: "level") }
        var expect: Expectation?
        var nodes = ExpectNodes()
        if let node = map["expect"],
           let e = doc.mapping(node, what: "an expectation", keys: Self.expectKeys, required: ["within"]) {
            var steps: [String] = []
            var valid = true
            if let stepsNode = e["steps"] {
                if let list = doc.sequence(stepsNode, what: "steps") {
                    if list.isEmpty { doc.error(stepsNode, "steps must name at least one step") }
                    steps = list.compactMap { item in
                        guard let s = doc.string(item, what: "step id") else { return nil }
                        nodes.steps[s] = nodes.steps[s] ?? item
                        return s
                    }
                } else { valid = false }
            }
            let within = e["within"].flatMap { minutes($0, doc, what: "within") }
            if let within, within <= 0, let w = e["within"] { doc.error(w, "within must be more than 0 minutes") }
            func match(_ key: String, _ what: String) -> MessageMatch? {
                guard let node = e[key] else { return nil }
                let found = messageMatch(node, doc, what: what, nodes: &nodes)
                if found == nil { valid = false }
                return found
            }
            let message = match("message", "message (a message expected)")
            let noMessage = match("no_message", "no_message (messages that must not be sent)")
            let correction = match("correction", "correction (a correction or cancel expected)")
            var expectedLevel: AlertLevel?
            if let l = e["level"] {
                nodes.level = l
                expectedLevel = self.level(l, doc, what: "expected level")
                if expectedLevel == nil { valid = false }
            }
            var stage: DutyStage?
            if let st = e["stage"] {
                stage = doc.word(st, what: "expected stage", allowed: DutyStage.allNames).flatMap(DutyStage.init(name:))
                if stage == nil { valid = false }
            }
            if let within, valid {
                let expectation = Expectation(steps: steps, within: within, message: message, noMessage: noMessage,
                                              correction: correction, level: expectedLevel, stage: stage)
                if expectation.isEmpty {
                    doc.error(node, "an expectation needs at least one of steps, message, no_message, correction, level or stage")
                } else {
                    expect = expectation
                }
            }
            // The drill itself journals the level an inject orders: expecting the trainees to set
            // it too would score the drill's own line.
            if let l = e["level"], map["level"] != nil {
                doc.error(l, "this inject sets the level itself (level:); expect a level only from injects that leave the decision to the trainees")
            }
            // "Send X" and "send nothing like X" in one window cannot both be met when every
            // message that meets the first breaks the second (same class, a shared channel).
            if let message, let noMessage, let n = e["no_message"],
               noMessage.kind == nil || noMessage.kind == message.kind,
               noMessage.channels.isEmpty || noMessage.channels.contains(where: message.channels.contains) {
                doc.error(n, "no_message contradicts message in the same expectation: the expected message would break it")
            }
        }
        guard let id, let at, let text else { return nil }
        return (Inject(id: id, at: at, text: text, level: level, expect: expect, location: doc.location(node)), nodes)
    }

    /// Where an inject's expectation wrote each thing, so checks against the manual and the
    /// channel profiles point at the exact word.
    struct ExpectNodes {
        var steps: [String: Node] = [:]
        var classes: [(kind: MessageClass, node: Node)] = []
        var channels: [(id: String, node: Node)] = []
        var level: Node?
    }

    /// `{class: critical, channels: [cbs]}`; both keys optional (`{}`: any message).
    private func messageMatch(_ node: Node, _ doc: YAMLDocument, what: String, nodes: inout ExpectNodes) -> MessageMatch? {
        guard let map = doc.mapping(node, what: what, keys: Self.matchKeys) else { return nil }
        var match = MessageMatch()
        var valid = true
        if let c = map["class"] {
            let names = MessageClass.allCases.map(\.rawValue) + MessageClass.allCases.map(\.korean)
            if let word = doc.word(c, what: "message class", allowed: names), let kind = MessageClass(name: word) {
                match.kind = kind
                nodes.classes.append((kind, c))
            } else { valid = false }
        }
        if let list = map["channels"] {
            guard let items = doc.sequence(list, what: "channels") else { return nil }
            if items.isEmpty { doc.error(list, "channels must name at least one channel (leave the key out for any channel)") }
            for item in items {
                guard let id = doc.string(item, what: "channel id") else { valid = false; continue }
                if !match.channels.contains(id) { match.channels.append(id) }
                nodes.channels.append((id, item))
            }
        }
        return valid ? match : nil
    }

    /// Injects must be written in time order: a trainer reads the file top to bottom as the drill's
    /// script, and an out-of-order line is almost always a typo in `at`.
    private func checkOrder(_ injects: [Inject], _ doc: YAMLDocument) {
        var ids: [String: SourceLocation] = [:]
        var contents: [String: Inject] = [:]
        var previous: Inject?
        for inject in injects {
            let place = inject.location ?? SourceLocation(file: doc.file, line: 1, column: 1)
            if let previous, inject.at < previous.at {
                doc.error(at: place, "inject '\(inject.id)' at \(ScenarioTime.format(inject.at)) comes after one at \(ScenarioTime.format(previous.at)); injects must be in time order")
            }
            if let first = ids[inject.id] {
                doc.error(at: place, "duplicate inject id '\(inject.id)' (first at \(first))")
            } else {
                ids[inject.id] = place
            }
            let content = "\(inject.at)|\(inject.text.ko)|\(inject.text.en)"
            if let first = contents[content] {
                doc.error(at: place, "inject '\(inject.id)' repeats inject '\(first.id)' (same time and text)")
            } else {
                contents[content] = inject
            }
            previous = inject
        }
    }

    // MARK: - Against the manuals

    private func check(_ scenario: Scenario, against manuals: [Manual], map: [String: Node], root: Node,
                       expectNodes: [String: ExpectNodes], levelNodes: [String: Node], _ doc: YAMLDocument) {
        guard let manual = manuals.first(where: { $0.id == scenario.manual }) else {
            var message = "unknown manual '\(doc.printable(scenario.manual))'"
            if let near = YAMLDocument.closest(to: scenario.manual, in: manuals.map(\.id)) {
                message += "; did you mean '\(near)'?"
            } else {
                message += " (known: \(manuals.map(\.id).sorted().joined(separator: ", ")))"
            }
            doc.error(map["manual"] ?? root, message)
            return
        }
        let variablesNode = map["variables"]
        var keyNodes: [String: (key: Node, value: Node)] = [:]
        if case .mapping(let pairs)? = variablesNode {
            for (k, v) in pairs { if let name = k.string { keyNodes[name] = (k, v) } }
        }
        for (name, value) in scenario.variables.sorted(by: { $0.key < $1.key }) {
            guard let spec = manual.variables.first(where: { $0.id == name }) else {
                var message = "manual '\(manual.id)' has no variable '\(doc.printable(name))'"
                if let near = YAMLDocument.closest(to: name, in: manual.variables.map(\.id)) { message += "; did you mean '\(near)'?" }
                doc.error(keyNodes[name]?.key ?? variablesNode ?? root, message)
                continue
            }
            // The same limit the manual's templates were length-checked with.
            if value.count > spec.maxLength {
                doc.error(keyNodes[name]?.value ?? root,
                          "'\(name)' is \(value.count) characters; manual '\(manual.id)' allows at most \(spec.maxLength)")
            } else if case .failure(let refusal) = spec.validate(value) {
                // A typed variable (a number in range, one of the 25 districts, …): the drill
                // would open with a value the Start screen refuses.
                doc.error(keyNodes[name]?.value ?? root, "'\(doc.printable(value))' is refused by the variable's type: \(refusal.message.en)")
            }
        }
        for variable in manual.variables where variable.required && scenario.variables[variable.id] == nil {
            doc.error(variablesNode ?? root, "missing variable '\(variable.id)' that manual '\(manual.id)' requires")
        }

        var level = scenario.startLevel
        for inject in scenario.injects {
            if let newLevel = inject.level {
                if newLevel == level, let node = levelNodes[inject.id] {
                    doc.warning(node, "inject '\(inject.id)' sets the level to \(level.korean), which it already is")
                }
                level = newLevel
            }
            if let expect = inject.expect, let nodes = expectNodes[inject.id] {
                checkJudgement(expect, inject: inject, level: level, manual: manual, nodes: nodes, doc)
            }
            for stepID in inject.expect?.steps ?? [] {
                let node = expectNodes[inject.id]?.steps[stepID]
                guard let step = manual.step(id: stepID) else {
                    var message = "manual '\(manual.id)' has no step '\(doc.printable(stepID))'"
                    if let near = YAMLDocument.closest(to: stepID, in: manual.allSteps.map(\.id)) { message += "; did you mean '\(near)'?" }
                    if let node { doc.error(node, message) } else { doc.error(root, message) }
                    continue
                }
                // A trainee cannot be scored on a step the checklist does not show at that level.
                if step.fromLevel > level, let node {
                    doc.warning(node, "step '\(stepID)' applies from \(step.fromLevel.korean) but the level at \(ScenarioTime.format(inject.at)) is \(level.korean)")
                }
            }
        }
    }

    /// What a judgement expectation names must make sense in the manual: a class none of its
    /// templates uses would have to be written free-form (a warning: free-form is allowed), and
    /// a level already in force is met before the inject is read.
    private func checkJudgement(_ expect: Expectation, inject: Inject, level: AlertLevel, manual: Manual,
                                nodes: ExpectNodes, _ doc: YAMLDocument) {
        let classes = Set(manual.allSteps.compactMap { $0.message?.messageClass })
        for (kind, node) in nodes.classes where !classes.contains(kind) {
            doc.warning(node, "manual '\(manual.id)' has no template of class \(kind.rawValue) (\(kind.korean)); trainees would have to write it free-form")
        }
        if let expected = expect.level, expected == level, let node = nodes.level {
            doc.warning(node, "the level at \(ScenarioTime.format(inject.at)) is already \(level.korean); this expectation is met before the inject is read")
        }
    }
}
