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

/// Reads drill scenarios from YAML and reports every problem with its `file:line:col`, so
/// `haechi lint` can list scenario mistakes next to manual mistakes and a trainer can fix them all
/// in one pass instead of one per run.
///
/// Given the manuals, it also checks what only makes sense against them: the manual exists, the
/// expected steps are its steps, the variables are its variables.
public struct ScenarioLoader: Sendable {
    public var manuals: [Manual]?

    /// Without manuals only the file's own shape is checked.
    public init(manuals: [Manual]? = nil) { self.manuals = manuals }
    public init(library: ManualLibrary) { self.manuals = library.manuals }

    /// Loads every `*.yaml` / `*.yml` in `directory` (not recursive), sorted by file name.
    /// A missing directory is no scenarios, not an error: a city may ship none.
    public func load(directory: String) -> ScenarioSet {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
            .sorted()
        var scenarios: [Scenario] = []
        var diagnostics: [Diagnostic] = []
        var firstFile: [String: Scenario] = [:]
        for name in names {
            let path = (directory as NSString).appendingPathComponent(name)
            let (scenario, found) = load(file: path)
            diagnostics += found
            guard let scenario else { continue }
            if let earlier = firstFile[scenario.id] {
                diagnostics.append(Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error,
                    "scenario id '\(scenario.id)' is already used by \(earlier.file ?? "another file")"))
                continue
            }
            firstFile[scenario.id] = scenario
            scenarios.append(scenario)
        }
        return ScenarioSet(scenarios: scenarios, diagnostics: diagnostics)
    }

    public func load(file path: String) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error, "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [Diagnostic(SourceLocation(file: path, line: 1, column: 1), .error, "the file is not UTF-8")])
        }
        return parse(yaml: text, file: path)
    }

    /// Parses one scenario. Returns nil when an error makes the scenario unusable; warnings alone
    /// still return it.
    public func parse(yaml: String, file: String) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        var reader = ScenarioNodeReader(file: file)
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                return (nil, [Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "the file is empty")])
            }
            root = node
        } catch let error as YamlError {
            return (nil, [reader.diagnostic(for: error)])
        } catch {
            return (nil, [Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "\(error)")])
        }
        let scenario = read(root, &reader)
        let hasErrors = reader.diagnostics.contains { $0.severity == .error }
        return (hasErrors ? nil : scenario, reader.diagnostics)
    }

    // MARK: - Shape

    private static let topKeys = ["id", "title", "brief", "manual", "start_level", "variables", "injects"]
    private static let injectKeys = ["id", "at", "text", "level", "expect"]
    private static let expectKeys = ["steps", "within"]

    private func read(_ root: Node, _ r: inout ScenarioNodeReader) -> Scenario? {
        guard let top = r.mapping(root, what: "a scenario") else { return nil }
        r.rejectUnknownKeys(top, allowed: Self.topKeys, in: "a scenario")

        let id = r.identifier(top, "id")
        let title = r.localized(top, "title", required: true)
        let brief = r.localized(top, "brief", required: false)
        let manualNode = top["manual"]
        let manualID = r.string(top, "manual", required: true)
        let startLevel = r.level(top, "start_level", required: true)
        let variablesNode = top["variables"]
        let variables = r.stringMap(top, "variables")
        var injects: [Inject] = []
        if let list = r.sequence(top, "injects", required: true) {
            if list.nodes.isEmpty { r.error(list.node, "a scenario needs at least one inject") }
            for (index, node) in list.nodes.enumerated() {
                if let inject = readInject(node, index: index, &r) { injects.append(inject) }
            }
        }
        checkOrder(injects, &r)

        guard let id, let title, let manualID, let startLevel else { return nil }
        let scenario = Scenario(id: id, title: title, brief: brief, manual: manualID, startLevel: startLevel,
                                variables: variables, injects: injects, file: r.file)

        if let stem = Optional((r.file as NSString).lastPathComponent), let idNode = top["id"],
           stem.hasSuffix(".yaml") || stem.hasSuffix(".yml"),
           (stem as NSString).deletingPathExtension != id {
            r.warning(idNode, "scenario id '\(id)' differs from its file name '\(stem)'; `haechi drill` finds scenarios by either")
        }
        if let manuals {
            check(scenario, against: manuals, manualNode: manualNode, variablesNode: variablesNode, top: root, &r)
        }
        return scenario
    }

    private func readInject(_ node: Node, index: Int, _ r: inout ScenarioNodeReader) -> Inject? {
        guard let map = r.mapping(node, what: "an inject") else { return nil }
        r.rejectUnknownKeys(map, allowed: Self.injectKeys, in: "an inject")
        // Positional ids keep short scenarios short; an explicit id keeps past drills' scores valid
        // when injects are inserted later.
        let id = map["id"] != nil ? r.identifier(map, "id") : "inject-\(index + 1)"
        let at = r.duration(map, "at", required: true)
        let text = r.localized(map, "text", required: true)
        let level = r.level(map, "level", required: false)
        var expect: Expectation?
        if let expectNode = map["expect"], let e = r.mapping(expectNode, what: "an expectation") {
            r.rejectUnknownKeys(e, allowed: Self.expectKeys, in: "an expectation")
            let steps = r.stringList(e, "steps", required: true)
            let within = r.duration(e, "within", required: true)
            if let steps, steps.isEmpty, let s = e["steps"] { r.error(s, "'steps' must name at least one step") }
            if let within, within <= 0, let w = e["within"] { r.error(w, "'within' must be more than 0 minutes") }
            if let steps, let within { expect = Expectation(steps: steps, within: within) }
        }
        r.fileStepMarks(injectLine: r.location(node).line)
        guard let id, let at, let text else { return nil }
        return Inject(id: id, at: at, text: text, level: level, expect: expect, location: r.location(node))
    }

    /// Injects must be written in time order: a trainer reads the file top to bottom as the drill's
    /// script, and an out-of-order line is almost always a typo in `at`.
    private func checkOrder(_ injects: [Inject], _ r: inout ScenarioNodeReader) {
        var seenIDs: [String: Inject] = [:]
        var seenContent: [String: Inject] = [:]
        for (previous, inject) in zip([nil] + injects.map(Optional.some), injects) {
            let place = inject.location ?? SourceLocation(file: r.file, line: 1, column: 1)
            if let previous, inject.at < previous.at {
                r.diagnostics.append(Diagnostic(place, .error,
                    "inject '\(inject.id)' at \(ScenarioTime.format(inject.at)) comes after one at \(ScenarioTime.format(previous.at)); injects must be in time order"))
            }
            if let first = seenIDs[inject.id] {
                r.diagnostics.append(Diagnostic(place, .error,
                    "duplicate inject id '\(inject.id)' (first at line \(first.location?.line ?? 0))"))
            } else {
                seenIDs[inject.id] = inject
            }
            let content = "\(inject.at)|\(inject.text.ko)|\(inject.text.en)"
            if let first = seenContent[content] {
                r.diagnostics.append(Diagnostic(place, .error,
                    "inject '\(inject.id)' repeats inject '\(first.id)' (same time and text)"))
            } else {
                seenContent[content] = inject
            }
        }
    }

    // MARK: - Against the manuals

    private func check(_ scenario: Scenario, against manuals: [Manual], manualNode: Node?, variablesNode: Node?,
                       top: Node, _ r: inout ScenarioNodeReader) {
        guard let manual = manuals.first(where: { $0.id == scenario.manual }) else {
            let known = manuals.map(\.id).sorted().joined(separator: ", ")
            r.error(manualNode ?? top, "unknown manual '\(scenario.manual)' (known: \(known))")
            return
        }
        let declared = Set(manual.variables.map(\.id))
        let mapping = variablesNode?.mapping
        for (key, value) in scenario.variables.sorted(by: { $0.key < $1.key }) {
            let keyNode = mapping?.first { $0.key.string == key }?.key
            if !declared.contains(key) {
                r.error(keyNode ?? variablesNode ?? top,
                        "manual '\(manual.id)' has no variable '\(key)' (it has: \(manual.variables.map(\.id).joined(separator: ", ")))")
            } else if let spec = manual.variables.first(where: { $0.id == key }), value.count > spec.maxLength {
                r.error(mapping?.first { $0.key.string == key }?.value ?? top,
                        "'\(key)' is \(value.count) characters; manual '\(manual.id)' allows at most \(spec.maxLength)")
            }
        }
        for variable in manual.variables where variable.required && scenario.variables[variable.id] == nil {
            r.error(variablesNode ?? top, "missing variable '\(variable.id)' that manual '\(manual.id)' requires")
        }

        var level = scenario.startLevel
        for inject in scenario.injects {
            let place = inject.location ?? SourceLocation(file: r.file, line: 1, column: 1)
            if let newLevel = inject.level { level = newLevel }
            for stepID in inject.expect?.steps ?? [] {
                guard let step = manual.step(id: stepID) else {
                    r.diagnostics.append(Diagnostic(r.expectLocation(inject: inject, step: stepID) ?? place, .error,
                        "manual '\(manual.id)' has no step '\(stepID)'"))
                    continue
                }
                // A trainee cannot be scored on a step the checklist does not show at that level.
                if step.fromLevel > level {
                    r.diagnostics.append(Diagnostic(r.expectLocation(inject: inject, step: stepID) ?? place, .warning,
                        "step '\(stepID)' applies from \(step.fromLevel.korean) but the level at \(ScenarioTime.format(inject.at)) is \(level.korean)"))
                }
            }
        }
    }
}

/// Reads typed values out of composed YAML nodes and records what is wrong where.
/// Private to scenarios so that its names never clash with the manual loader's own reader.
struct ScenarioNodeReader {
    let file: String
    var diagnostics: [Diagnostic] = []
    /// Where each expected step id was written, so "no such step" points at the id itself.
    private var stepMarks: [String: SourceLocation] = [:]

    init(file: String) { self.file = file }

    func location(_ node: Node) -> SourceLocation {
        let mark = node.mark
        return SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    mutating func error(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(location(node), .error, message))
    }

    mutating func warning(_ node: Node, _ message: String) {
        diagnostics.append(Diagnostic(location(node), .warning, message))
    }

    func expectLocation(inject: Inject, step: String) -> SourceLocation? {
        stepMarks["\(inject.location?.line ?? 0):\(step)"]
    }

    func diagnostic(for error: YamlError) -> Diagnostic {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
             .composer(_, let problem, let mark, _):
            return Diagnostic(SourceLocation(file: file, line: mark.line, column: mark.column), .error, "YAML: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return Diagnostic(SourceLocation(file: file, line: context.mark.line, column: context.mark.column), .error,
                              "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))")
        default:
            return Diagnostic(SourceLocation(file: file, line: 1, column: 1), .error, "YAML: \(error)")
        }
    }

    mutating func mapping(_ node: Node, what: String) -> Node.Mapping? {
        if let m = node.mapping { return m }
        error(node, "expected \(what) as a mapping (key: value), found \(describe(node))")
        return nil
    }

    mutating func rejectUnknownKeys(_ map: Node.Mapping, allowed: [String], in what: String) {
        for key in map.keys {
            guard let name = key.string else { error(key, "keys must be strings"); continue }
            if !allowed.contains(name) {
                let hint = allowed.first { $0.replacingOccurrences(of: "_", with: "") == name.lowercased().replacingOccurrences(of: "_", with: "").replacingOccurrences(of: "-", with: "") }
                error(key, "unknown key '\(name)' in \(what)" + (hint.map { "; did you mean '\($0)'?" } ?? " (expected one of: \(allowed.joined(separator: ", ")))"))
            }
        }
    }

    private mutating func value(_ map: Node.Mapping, _ key: String, required: Bool) -> Node? {
        if let node = map[key] {
            if node.null != nil, case .scalar = node {
                if required { error(node, "'\(key)' is empty") }
                return nil
            }
            return node
        }
        if required {
            // The mapping's own start: where the missing key should go.
            let first = map.first?.key
            diagnostics.append(Diagnostic(SourceLocation(file: file, line: map.mark?.line ?? first?.mark?.line ?? 1,
                                                         column: map.mark?.column ?? first?.mark?.column ?? 1),
                                          .error, "missing '\(key)'"))
        }
        return nil
    }

    mutating func string(_ map: Node.Mapping, _ key: String, required: Bool) -> String? {
        guard let node = value(map, key, required: required) else { return nil }
        guard case .scalar(let scalar) = node else {
            error(node, "'\(key)' must be text, found \(describe(node))"); return nil
        }
        if scalar.string.trimmingCharacters(in: .whitespaces).isEmpty {
            error(node, "'\(key)' is empty"); return nil
        }
        return scalar.string
    }

    mutating func identifier(_ map: Node.Mapping, _ key: String) -> String? {
        guard let text = string(map, key, required: true), let node = map[key] else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyz0123456789-")
        if !text.allSatisfy(allowed.contains) || text.hasPrefix("-") {
            error(node, "'\(key)' must be lower-case letters, digits and '-' (got '\(text)')")
            return nil
        }
        return text
    }

    mutating func localized(_ map: Node.Mapping, _ key: String, required: Bool) -> Localized? {
        guard let node = value(map, key, required: required) else { return nil }
        guard let inner = node.mapping else {
            error(node, "'\(key)' needs both languages, as {ko: …, en: …}; found \(describe(node))"); return nil
        }
        rejectUnknownKeys(inner, allowed: ["ko", "en"], in: "'\(key)'")
        let ko = string(inner, "ko", required: true)
        let en = string(inner, "en", required: true)
        guard let ko, let en else { return nil }
        return Localized(ko: ko, en: en)
    }

    mutating func level(_ map: Node.Mapping, _ key: String, required: Bool) -> AlertLevel? {
        guard let text = string(map, key, required: required), let node = map[key] else { return nil }
        guard let level = AlertLevel(name: text) else {
            error(node, "unknown alert level '\(text)' (use one of: \(AlertLevel.allNames.joined(separator: ", ")))")
            return nil
        }
        return level
    }

    /// Minutes as a number (`3`, `2.5`) or as `T+3` / `T+2:30`.
    mutating func duration(_ map: Node.Mapping, _ key: String, required: Bool) -> TimeInterval? {
        guard let node = value(map, key, required: required) else { return nil }
        guard case .scalar(let scalar) = node, let seconds = ScenarioTime.parse(scalar.string) else {
            error(node, "'\(key)' must be minutes from the start, like 3, 2.5, \"T+3\" or \"T+2:30\"; found \(describe(node))")
            return nil
        }
        return seconds
    }

    mutating func sequence(_ map: Node.Mapping, _ key: String, required: Bool) -> (node: Node, nodes: [Node])? {
        guard let node = value(map, key, required: required) else { return nil }
        guard let seq = node.sequence else {
            error(node, "'\(key)' must be a list, found \(describe(node))"); return nil
        }
        return (node, Array(seq))
    }

    mutating func stringList(_ map: Node.Mapping, _ key: String, required: Bool) -> [String]? {
        guard let (_, nodes) = sequence(map, key, required: required) else { return nil }
        var out: [String] = []
        for node in nodes {
            guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
                error(node, "'\(key)' entries must be step ids, found \(describe(node))"); continue
            }
            out.append(scalar.string)
            stepMarksPending.append((scalar.string, location(node)))
        }
        return out
    }

    /// Step ids seen since the current inject started; `readInject` files them under the inject.
    var stepMarksPending: [(String, SourceLocation)] = []

    mutating func fileStepMarks(injectLine: Int) {
        for (step, place) in stepMarksPending { stepMarks["\(injectLine):\(step)"] = place }
        stepMarksPending.removeAll()
    }

    /// Variables are written as plain scalars; numbers (`gauge: 5.5`) are kept as written.
    mutating func stringMap(_ map: Node.Mapping, _ key: String) -> [String: String] {
        guard let node = value(map, key, required: false) else { return [:] }
        guard let inner = self.mapping(node, what: "'\(key)'") else { return [:] }
        var out: [String: String] = [:]
        for (k, v) in inner {
            guard let name = k.string else { error(k, "variable names must be text"); continue }
            guard case .scalar(let scalar) = v else { error(v, "variable '\(name)' must be text, found \(describe(v))"); continue }
            out[name] = scalar.string
        }
        return out
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s): s.string.isEmpty ? "nothing" : "'\(s.string)'"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
