import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi outbox add`: the compose screen's check and gates (HaechiCore's `Compose`), a durable
/// append, then the id (and the posts it queued).
struct OutboxAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Queue an official message; prints its id alone on stdout.",
        discussion: """
        The message is checked by the same function as the compose screen: per-channel length \
        (drill and correction prefixes included), unfilled {placeholders}, every language a \
        channel posts, no text in a language none of the channels posts, no control characters, \
        escape sequences or bidirectional controls (each reported with its position), known channels.
        The posts it makes (channel, language, the exact text) are stored in the record; the \
        sender posts those and nothing else. They are listed on stderr (with --format json, \
        on stdout as one JSON object).

        LIVE messages go to the public. Queueing one is a deliberate act, the same word the TUI \
        asks for: `--confirm-live DISTRICT`, the district the message is about (the word LIVE \
        when it names none). A drill never takes that option, so a drill command line cannot be \
        turned into a live one by changing one word.
        If the channel profile wants a second operator for the message class, a LIVE message is \
        queued as awaiting approval (`haechi outbox approve ID`, by someone else).
        The same disaster type to the same district within 24 hours (a message not cancelled \
        before it reached anyone) is NOT queued unless --allow-repeat is given, as the TUI asks \
        for a "y"; a correction is never held back by it.
        A channel's quiet hours (CBS: no non-urgent text 23:00-07:00, city time) refuse a \
        safety or info message unless `--quiet-hours-reason "why it cannot wait"` is given; the \
        reason is stored in the record and journaled in the incident. Urgent classes never need it.

        `--json -` reads the same fields as one JSON object on stdin: mode, channels, text (a \
        string, or {"ko":…,"en":…}), text_en, kind, incident, manual, step, district, variables, \
        level, operator, corrects, confirm_live, allow_repeat, quiet_hours_reason. Options on the \
        command line win.

        Exit status: 0 queued (id on stdout, or the JSON object with --format json); 1 NOT queued because the message was refused; \
        2 NOT queued because it could not be stored (the error says why). Either way the reason \
        is on stderr as "NOT queued: <why>"; nothing partial is left in the outbox.
        """
    )

    @OptionGroup var stateOption: StateOption
    @OptionGroup var manualsOption: ManualsOption
    @OptionGroup var timeZoneOption: TimeZoneOption
    @Option(help: "drill or live.") var mode: String?
    @Option(name: .customLong("channel"), help: "A channel id from channels.yaml (repeat for several).") var channels: [String] = []
    @Option(help: "Korean text. {placeholders} are filled from --var, the incident and {time} {date} {level}.") var text: String?
    @Option(name: .customLong("text-en"), help: "English text.") var textEN: String?
    @Option(help: "Message class: critical, emergency, safety or info (default info).") var kind: String?
    @Option(help: "The incident or drill id (its journal supplies manual, district and variables).") var incident: String?
    @Option(help: "Disaster type (manual id), for the 24-hour repeat check and templates.") var manual: String?
    @Option(help: "Use this step's message template (with --manual) when no --text is given.") var step: String?
    @Option(help: "The district the message is about.") var district: String?
    @Option(name: .customLong("var"), help: "An incident variable, name=value (repeatable).") var variables: [String] = []
    @Option(help: "Alert level for {level}: 관심 주의 경계 심각 or blue yellow orange red.") var level: String?
    @Option(help: "Your name (default: $HAECHI_OPERATOR, else your login name).") var `operator`: String?
    @Option(help: "Queue a correction of this earlier message id.") var corrects: String?
    @Option(help: "Queue the cancel notice of this message, already posted (CAP Cancel; a short [취소]/[CANCELLED] post elsewhere).")
    var cancels: String?
    @Flag(name: .customLong("all-clear"), help: "Queue the incident's all-clear (상황 해제), referencing its active alerts (needs --incident).")
    var allClear = false
    @Option(name: .customLong("confirm-live"), help: "Required for --mode live: the word LIVE.") var confirmLive: String?
    @Flag(name: .customLong("allow-repeat"), help: "Queue a LIVE message despite the 24-hour repeat warning.") var allowRepeat = false
    @Option(name: .customLong("quiet-hours-reason"),
            help: "Why a non-urgent message must go out inside a channel's quiet hours (recorded with it and in the incident).")
    var quietHoursReason: String?
    @Option(help: "Read the fields as one JSON object from stdin ('-').") var json: String?
    @Option(help: "What to print on stdout when queued: text (the id alone) or json (id, mode, needs_approval, posts).")
    var format: String = "text"

    func run() throws {
        let state = OutboxShell.state(stateOption)
        let request: OutboxAddRequest
        do {
            guard format == "text" || format == "json" else { throw OutboxCLIError("--format must be text or json, not '\(format)'") }
            request = try merged()
        } catch {
            OutboxShell.say("NOT queued: \(error)")
            throw ExitCode(1)
        }
        let store: any Store
        do {
            store = try StoreShell.open(stateOption).store
        } catch {
            OutboxShell.say("NOT queued: \(error)")
            throw ExitCode(2)
        }
        let outcome = OutboxAdd.perform(request, state: state, store: store, manualsDirectory: manualsOption.directory, now: Date(),
                                        timeZone: try timeZoneOption.zone())
        for line in outcome.notes { OutboxShell.say(line) }
        switch outcome.result {
        case .queued(let message):
            if format == "json" { OutboxShell.out(OutboxAdd.json(message)) } else { OutboxShell.out(message.id) }
        case .refused(let reasons):
            for r in reasons { OutboxShell.say("NOT queued: \(r)") }
            throw ExitCode(1)
        case .notStored(let why):
            OutboxShell.say("NOT queued: \(why)")
            throw ExitCode(2)
        }
    }

    /// Command-line options over the JSON object from stdin.
    func merged() throws -> OutboxAddRequest {
        var r = OutboxAddRequest()
        if let json {
            guard json == "-" else { throw OutboxCLIError("--json takes '-' (read the object from stdin), not '\(json)'") }
            let data = FileHandle.standardInput.readDataToEndOfFile()
            do {
                r = try JSONDecoder().decode(OutboxAddRequest.self, from: data)
            } catch {
                throw OutboxCLIError("stdin is not a valid JSON request: \(error)")
            }
        }
        r.mode = mode ?? r.mode
        if !channels.isEmpty { r.channels = channels }
        r.text = text ?? r.text
        r.textEN = textEN ?? r.textEN
        r.kind = kind ?? r.kind
        r.incident = incident ?? r.incident
        r.manual = manual ?? r.manual
        r.step = step ?? r.step
        r.district = district ?? r.district
        for pair in variables {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                throw OutboxCLIError("--var takes name=value, not '\(pair)'")
            }
            r.variables[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        r.level = level ?? r.level
        r.operator = `operator` ?? r.operator
        r.corrects = corrects ?? r.corrects
        r.cancels = cancels ?? r.cancels
        r.allClear = allClear || r.allClear
        r.confirmLive = confirmLive ?? r.confirmLive
        r.allowRepeat = allowRepeat || r.allowRepeat
        r.quietHoursReason = quietHoursReason ?? r.quietHoursReason
        return r
    }
}

/// The fields of `haechi outbox add`, from options or a JSON object.
struct OutboxAddRequest: Decodable, Sendable {
    var mode: String?
    var channels: [String] = []
    var text: String?
    var textEN: String?
    var kind: String?
    var incident: String?
    var manual: String?
    var step: String?
    var district: String?
    var variables: [String: String] = [:]
    var level: String?
    var `operator`: String?
    var corrects: String?
    var cancels: String?
    var allClear = false
    var confirmLive: String?
    var allowRepeat = false
    var quietHoursReason: String?

    init() {}

    enum Keys: String, CodingKey {
        case mode, channels, channel, text, textEN = "text_en", kind, incident, manual, step, district, variables, level
        case `operator`, corrects, confirmLive = "confirm_live", allowRepeat = "allow_repeat", cancels, allClear = "all_clear"
        case quietHoursReason = "quiet_hours_reason"
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        mode = try c.decodeIfPresent(String.self, forKey: .mode)
        channels = try c.decodeIfPresent([String].self, forKey: .channels)
            ?? (try c.decodeIfPresent(String.self, forKey: .channel).map { [$0] }) ?? []
        if let both = try? c.decodeIfPresent(Localized.self, forKey: .text) {
            text = both.ko; textEN = both.en
        } else {
            text = try c.decodeIfPresent(String.self, forKey: .text)
        }
        textEN = try c.decodeIfPresent(String.self, forKey: .textEN) ?? textEN
        kind = try c.decodeIfPresent(String.self, forKey: .kind)
        incident = try c.decodeIfPresent(String.self, forKey: .incident)
        manual = try c.decodeIfPresent(String.self, forKey: .manual)
        step = try c.decodeIfPresent(String.self, forKey: .step)
        district = try c.decodeIfPresent(String.self, forKey: .district)
        variables = try c.decodeIfPresent([String: String].self, forKey: .variables) ?? [:]
        level = try c.decodeIfPresent(String.self, forKey: .level)
        `operator` = try c.decodeIfPresent(String.self, forKey: .operator)
        corrects = try c.decodeIfPresent(String.self, forKey: .corrects)
        confirmLive = try c.decodeIfPresent(String.self, forKey: .confirmLive)
        allowRepeat = try c.decodeIfPresent(Bool.self, forKey: .allowRepeat) ?? false
        cancels = try c.decodeIfPresent(String.self, forKey: .cancels)
        allClear = try c.decodeIfPresent(Bool.self, forKey: .allClear) ?? false
        quietHoursReason = try c.decodeIfPresent(String.self, forKey: .quietHoursReason)
    }
}

/// The add pipeline, apart from argument parsing: request → draft → checks → durable append.
enum OutboxAdd {
    enum Result: Equatable {
        case queued(OutboxMessage)
        case refused([String])
        case notStored(String)
    }

    struct Outcome {
        var result: Result
        /// Warnings and what happened, for stderr.
        var notes: [String] = []
    }

    static func perform(_ r: OutboxAddRequest, state: StateDirectory, store: (any Store)? = nil, manualsDirectory: String, now: Date,
                        timeZone: TimeZone = CityTime.default) -> Outcome {
        let store = store ?? FileStore(state)
        let outbox = StoreOutbox(store)
        var notes: [String] = []
        func refuse(_ reasons: String...) -> Outcome { Outcome(result: .refused(reasons), notes: notes) }

        guard let modeName = r.mode else { return refuse("--mode drill|live is required: say which one you mean") }
        guard let mode = Mode(rawValue: modeName.lowercased()) else { return refuse("--mode must be drill or live, not '\(modeName)'") }
        // A drill must not carry the live confirmation at all, so a copied live command line is
        // never quietly run as a drill or the reverse. (LIVE's own gate comes after the check.)
        if mode == .drill && r.confirmLive != nil { return refuse("--confirm-live is only for --mode live; this is a drill") }
        let messageClass: MessageClass
        if let k = r.kind {
            guard let c = MessageClass(name: k) else { return refuse("--kind must be critical, emergency, safety or info, not '\(k)'") }
            messageClass = c
        } else {
            messageClass = .info
        }
        var level: AlertLevel?
        if let l = r.level {
            guard let parsed = AlertLevel(name: l) else { return refuse("--level must be one of \(AlertLevel.allNames.joined(separator: " ")), not '\(l)'") }
            level = parsed
        }

        // The incident's journal, when there is one, supplies its manual, mode, level and variables.
        var manualID = r.manual
        var variables: [String: String] = [:]
        if let incident = r.incident {
            do {
                    let (events, _) = try store.readAll(IncidentEvent.self, .journal(incident: incident))
                    // The incident as the checklist sees it (the one replay of a journal).
                    if let known = Incident.replay(events) {
                        if known.mode != mode {
                            return refuse("incident \(incident) is a \(known.mode.rawValue.uppercased()); drill and live never mix (--mode \(mode.rawValue))")
                        }
                        manualID = manualID ?? known.manualID
                        variables.merge(known.variables) { a, _ in a }
                        // The incident's current level, unless the operator named one.
                        if r.level == nil { level = known.level }
                    }
            } catch {
                notes.append("warning: could not read incident journal \(incident) in \(store.location): \(error)")
            }
        }
        variables.merge(r.variables) { _, b in b }
        if let d = r.district { variables["district"] = d }

        if [r.corrects != nil, r.cancels != nil, r.allClear, r.step != nil].filter({ $0 }).count > 1 {
            return refuse("--corrects, --cancels, --all-clear and --step each make a different message; give one")
        }
        let profiles: ChannelProfiles
        var template: (Manual, Step, MessageTemplate)?
        var lifecycleManual: Manual?
        if r.allClear {
            guard let incident = r.incident else { return refuse("--all-clear needs --incident ID: it clears that incident's active alerts") }
            let library = ManualLibrary.load(directory: manualsDirectory)
            profiles = library.channels
            guard let manualID, let manual = library.manual(id: manualID) else {
                return refuse("--all-clear: no manual for incident \(incident) in \(manualsDirectory) (give --manual ID)")
            }
            lifecycleManual = manual
        } else if r.step != nil {
            let library = ManualLibrary.load(directory: manualsDirectory)
            profiles = library.channels
            guard let manualID, let manual = library.manual(id: manualID) else {
                return refuse("--step needs --manual ID (or an incident whose journal names its manual) from \(manualsDirectory)")
            }
            guard let step = manual.step(id: r.step!) else { return refuse("manual \(manual.id) has no step '\(r.step!)'") }
            guard let t = step.message else { return refuse("step \(step.id) of \(manual.id) has no message template") }
            template = (manual, step, t)
        } else {
            do {
                profiles = try OutboxShell.channels(ManualsOptionValue.directory(manualsDirectory))
            } catch {
                return refuse("\(error)")
            }
        }

        // The manual's CAP mapping for a message written from scratch (issue 12).
        var freeFormCAP: CAPMapping?
        if template == nil, lifecycleManual == nil, let manualID {
            // Through the library, the one way manuals are loaded: a manual alone would miss the
            // contacts and places its steps refer to, and fail to load.
            freeFormCAP = ManualLibrary.load(directory: manualsDirectory).manual(id: manualID)?.cap
        }

        var draft: ComposeDraft
        if let (manual, step, t) = template {
            draft = ComposeDraft(template: t, manual: manual, step: step, mode: mode, incident: r.incident,
                                 variables: variables, level: level)
            if r.kind != nil { draft.kind = messageClass }
            if !r.channels.isEmpty { draft.channels = r.channels }
            // A text given replaces the template's in its language only (`--text-en ""` drops the
            // English, e.g. for Korean-only channels).
            draft.text = Localized(ko: r.text ?? draft.text.ko, en: r.textEN ?? draft.text.en)
        } else {
            draft = ComposeDraft(mode: mode, kind: messageClass, channels: r.channels,
                                 text: Localized(ko: r.text ?? "", en: r.textEN ?? ""), incident: r.incident,
                                 manual: manualID, variables: variables, level: level, cap: freeFormCAP)
        }

        // The earlier messages this one may repeat (with their cancels and ledger, for the
        // repeat rule), and the one it corrects.
        var recent: [(OutboxMessage, Bool)] = []
        var index = OutboxEventIndex()
        var corrected: OutboxMessage?
        // Cancel notices and all-clears need the messages they end, with their post states.
        var lifecycle = OutboxLedgerJoin(channels: profiles)
        do {
            try outbox.scan({ record in
                switch record {
                case .message(let m), .correct(let m):
                    if m.id == r.corrects { corrected = m }
                    if r.cancels != nil || r.allClear { lifecycle.apply(record) }
                    if m.manual != nil && m.manual == draft.manual && now.timeIntervalSince(m.created) < RepeatWarning.window {
                        var isCorrection = false
                        if case .correct = record { isCorrection = true }
                        recent.append((m, isCorrection))
                    }
                default:
                    index.apply(record)
                    if r.cancels != nil || r.allClear { lifecycle.apply(record) }
                }
            }, bad: { _ in })
            if r.cancels != nil || r.allClear {
                var reader = LogReader(path: state.deliveryPath)
                try RecordLog<DeliveryRecord>.read(&reader, following: false, into: { lifecycle.apply($0) }, bad: { _ in })
            }
            if !recent.isEmpty {
                let ids = Set(recent.map(\.0.id))
                var reader = LogReader(path: state.deliveryPath)
                try RecordLog<DeliveryRecord>.read(&reader, following: false, into: { if ids.contains($0.message) { index.apply($0) } }, bad: { _ in })
            }
        } catch {
            return Outcome(result: .notStored("read \(outbox.location): \(error)"), notes: notes)
        }
        let history = recent.map { index.status(of: $0.0, isCorrection: $0.1, channels: profiles) }
        if let c = r.corrects {
            guard let original = corrected else { return refuse("--corrects \(c): no such message in the outbox") }
            guard original.mode == mode else {
                return refuse("--corrects \(c): that message is a \(original.mode.rawValue.uppercased()); drill and live never mix")
            }
            draft.source = .correction(of: c)
            draft.capType = .update
            draft.references = [CAPReference(identifier: c, sent: original.created)]
            if draft.cap == nil { draft.cap = original.cap.map(CAPMapping.init) }
            draft.manual = draft.manual ?? original.manual
            draft.incident = draft.incident ?? original.incident
            if draft.channels.isEmpty { draft.channels = original.channels }
            if draft.district == nil, let d = original.district { draft.variables["district"] = d }
        }

        if let c = r.cancels {
            guard let target = lifecycle[c] else { return refuse("--cancels \(c): no such message in the outbox") }
            guard target.message.mode == mode else {
                return refuse("--cancels \(c): that message is a \(target.message.mode.rawValue.uppercased()); drill and live never mix")
            }
            guard CAPLifecycle.needsCancelNotice(target) else {
                return refuse(CAPLifecycle.wentOut(target)
                              ? "--cancels \(c): posts are still pending; stop them first with `haechi outbox cancel \(c)`"
                              : "--cancels \(c): nothing of it has gone out; cancel it with `haechi outbox cancel \(c)` instead")
            }
            let notice = ComposeDraft(cancelNoticeOf: target.message, corrections: target.correctedBy.compactMap { lifecycle[$0]?.message },
                                      timeZone: timeZone)
            draft = notice
            if !r.channels.isEmpty { draft.channels = r.channels }
            if r.text != nil || r.textEN != nil { draft.text = Localized(ko: r.text ?? notice.text.ko, en: r.textEN ?? notice.text.en) }
        }
        if r.allClear, let manual = lifecycleManual, let incident = r.incident {
            let active = CAPLifecycle.activeAlerts(lifecycle.messages, incident: incident, now: now)
            draft = ComposeDraft(allClearFor: manual, mode: mode, incident: incident, variables: variables, level: level, active: active)
            if !r.channels.isEmpty { draft.channels = r.channels }
            if r.text != nil || r.textEN != nil { draft.text = Localized(ko: r.text ?? draft.text.ko, en: r.textEN ?? draft.text.en) }
            notes.append("all-clear of \(incident): references \(active.count) active alert(s)" + (active.isEmpty ? "" : ": " + active.map(\.id).joined(separator: " ")))
        }

        draft.quietHoursOverride = r.quietHoursReason
        let check = Compose.check(draft, channels: profiles, now: now, timeZone: timeZone, history: history)
        if !check.canQueue { return Outcome(result: .refused(check.refusals.map(refusalLine)), notes: notes) }
        if r.quietHoursReason != nil && check.quietHoursOverride == nil {
            notes.append("warning: --quiet-hours-reason not needed: no chosen channel is in quiet hours for a \(draft.kind.rawValue) message now; not recorded")
        }
        for w in check.warnings { notes.append("warning: \(w)") }
        // The same gates as the compose screen, passed by options instead of prompts.
        for gate in Compose.gates(draft, check: check) {
            switch gate {
            case .acknowledgeRepeat where !r.allowRepeat:
                return Outcome(result: .refused(["it repeats a message from the last 24 hours (see warning); add --allow-repeat if it is meant"]), notes: notes)
            case .confirmLive(let word) where !Compose.confirms(r.confirmLive ?? "", word: word):
                let what = word == "LIVE" ? "" : " (the district it goes to, as the TUI asks)"
                return refuse(r.confirmLive == nil
                              ? "LIVE messages go to the public: add --confirm-live \(word)\(what) to queue this one"
                              : "LIVE messages go to the public: --confirm-live must be \(word)\(what), not '\(r.confirmLive!)'")
            default:
                continue
            }
        }
        let who = OutboxShell.operatorName(r.operator)
        guard !who.isEmpty else { return refuse("\(OutboxRefusal.noOperator)") }

        let id = MessageID.make(at: now)
        guard let record = Compose.record(draft, check: check, id: id, operator: who, created: now) else {
            return Outcome(result: .refused(check.refusals.map(\.description)), notes: notes)
        }
        do {
            if store is FileStore { try state.prepare(incidents: false) }
            try outbox.append(record)
        } catch {
            return Outcome(result: .notStored("\(error)"), notes: notes)
        }
        switch record {
        case .message(let m), .correct(let m):
            if let event = IncidentEvent.quietHours(of: m, at: now, operator: who) { notes += journalQuietHours(event, store: store) }
        default:
            break
        }
        let targets = check.posts.map { "\($0.channel)/\($0.language.rawValue)" }.joined(separator: ", ")
        notes.append("queued \(mode == .drill ? "DRILL" : "LIVE") \(id): \(check.posts.count) post(s), \(targets)"
                     + (check.needsApproval ? "; awaiting approval by another operator (haechi outbox approve \(id))" : ""))
        for post in check.posts {
            notes.append("  \(post.channel)/\(post.language.rawValue) \(post.length)/\(post.limit) \(post.counting.rawValue): \(post.text)")
        }
        guard case .message(let message) = record else {
            if case .correct(let message) = record { return Outcome(result: .queued(message), notes: notes) }
            return Outcome(result: .notStored("internal: not a message record"), notes: notes)
        }
        return Outcome(result: .queued(message), notes: notes)
    }

    /// A refusal as the command line says it: the quiet-hours one names the option that overrides it.
    static func refusalLine(_ r: ComposeRefusal) -> String {
        if case .quietHours = r { return "\(r) (--quiet-hours-reason \"why it cannot wait\")" }
        return r.description
    }

    /// The override's journal line, in the incident's journal when the incident has one (the
    /// record already holds the reason, so a failure here is a warning: the message is queued).
    static func journalQuietHours(_ event: IncidentEvent, store: any Store) -> [String] {
        do {
            let (events, _) = try store.readAll(IncidentEvent.self, .journal(incident: event.incident))
            guard Incident.replay(events) != nil else {
                return ["warning: no journal for incident \(event.incident); the quiet-hours reason is kept in the outbox record only"]
            }
            try store.append(event, to: .journal(incident: event.incident))
            return ["quiet hours overridden on \(event.quietHoursOverridden?.channels.joined(separator: ", ") ?? ""): reason journaled in \(event.incident)"]
        } catch {
            return ["warning: queued, but the quiet-hours reason could not be journaled in \(event.incident): \(error) (it is in the outbox record)"]
        }
    }

    /// `--format json`: the queued message and its posts, one object.
    static func json(_ m: OutboxMessage) -> String {
        struct Out: Encodable {
            var id: String, mode: Mode, kind: MessageClass, needs_approval: Bool, corrects: String?, posts: [OutboxPost]
            var quiet_hours_override: QuietHoursOverride?
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let out = Out(id: m.id, mode: m.mode, kind: m.kind, needs_approval: m.needsApproval, corrects: m.corrects, posts: m.posts ?? [],
                      quiet_hours_override: m.quietHoursOverride)
        return (try? encoder.encode(out)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// A `ManualsOption` with a fixed directory, for code that has only the resolved path.
enum ManualsOptionValue {
    static func directory(_ path: String) -> ManualsOption {
        var option = ManualsOption()
        option.manuals = path
        return option
    }
}
