import Foundation
import HaechiCore

/// Outbox and sender figures shown in Home's reserved area and the checklist status line.
/// The TUI shell fills it from the state directory (sender heartbeat now; outbox counts when the
/// outbox issue lands); nil fields mean "not known", drawn as a dash rather than a zero.
public struct StatusSummary: Sendable, Hashable {
    public enum Sender: Sendable, Hashable {
        case unknown
        /// Heartbeat seen recently.
        case alive(lastBeat: Date)
        /// Heartbeat file exists but is old: the sender may have hung.
        case stale(lastBeat: Date)
        /// No heartbeat file: no sender has ever run here.
        case absent
    }
    public var queued: Int?
    public var awaitingApproval: Int?
    public var failed: Int?
    public var delivered: Int?
    public var sender: Sender
    /// With a shared database: how many senders beat recently (nil with the files: one sender).
    public var sendersAlive: Int?
    /// With a shared database that does not answer: how many actions this seat holds in its
    /// local spool (nil while the database answers). Shown in the header in words.
    public var offlineHeld: Int?
    public init(queued: Int? = nil, awaitingApproval: Int? = nil, failed: Int? = nil, delivered: Int? = nil,
                sender: Sender = .unknown, sendersAlive: Int? = nil, offlineHeld: Int? = nil) {
        self.queued = queued; self.awaitingApproval = awaitingApproval; self.failed = failed
        self.delivered = delivered; self.sender = sender; self.sendersAlive = sendersAlive; self.offlineHeld = offlineHeld
    }
}

/// A short message on the message line: what just happened or what went wrong.
public struct Flash: Sendable, Hashable {
    public enum Kind: Sendable, Hashable { case info, success, warning, error }
    public var text: Localized
    public var kind: Kind
    public init(_ text: Localized, _ kind: Kind = .info) { self.text = text; self.kind = kind }
}

/// Everything the screens show. Plain values only, so tests can compare whole states.
public struct AppState: Sendable, Hashable {
    public var width: Int
    public var height: Int
    public var language: Language
    public var manuals: [Manual]
    /// Set only while the TUI's first frame is drawn from the parsed-manual cache's index, before
    /// `manuals` is filled (the shell fills it before handling any key): what Home lists.
    public var listedManuals: [ManualListing]?
    /// Problems found while loading the manuals (shown on Home so an owner notices).
    public var manualProblems: [String]
    public var operatorName: String
    public var now: Date
    public var timeZone: TimeZone
    public var screen: Screen
    public var prompt: Prompt?
    public var flash: Flash?
    public var incidents: [IncidentSummary]
    /// The incident the checklist shows, rebuilt from its journal; updated as the journal grows
    /// (also by other operators' TUIs).
    public var incident: Incident?
    /// Journal lines that could not be read (bad checksum, torn tail), reported on screen.
    public var journalProblems: [String]
    public var status: StatusSummary
    // Compose and outbox (issue 4): the channel profiles messages are checked against, and the
    // outbox joined with the sender's ledger as the shell last read it.
    public var channels = ChannelProfiles([])
    public var outbox = OutboxFeed()
    // Drills (issue 6): the scenarios the shell loaded from MANUALS/scenarios, and injects this
    // TUI has asked to journal but not yet read back (so a tick before the read-back does not
    // play one twice). Keys are `incident/inject`.
    public var scenarios: [Scenario] = []
    public var pendingInjects: Set<String> = []
    // Operator ergonomics (issue 13): the config file's theme and key overrides, the observer
    // seat (`--read-only`: every screen, no action), the `:` command palette.
    public var theme: Theme = .standard
    public var keyOverrides = KeyOverrides()
    public var readOnly = false
    public var palette: Palette?
    /// Set by screens that navigate, so the dispatcher does not write the old screen back.
    var navigated = false

    public static let minimumWidth = 80
    public static let minimumHeight = 24

    public init(manuals: [Manual], manualProblems: [String] = [], operatorName: String, now: Date,
                timeZone: TimeZone = CityTime.default, width: Int = 80, height: Int = 24, language: Language = .ko) {
        self.width = width; self.height = height; self.language = language
        self.manuals = manuals; self.manualProblems = manualProblems; self.operatorName = operatorName
        self.now = now; self.timeZone = timeZone
        self.screen = .home(HomeScreen())
        self.incidents = []; self.journalProblems = []; self.status = StatusSummary()
    }

    public var isTooSmall: Bool { width < Self.minimumWidth || height < Self.minimumHeight }

    public func manual(id: String) -> Manual? { manuals.first { $0.id == id } }

    /// The text of `l` in the display language; falls back to the other language when empty.
    public func t(_ l: Localized) -> String {
        let s = l[language]
        return s.isEmpty ? l[language == .ko ? .en : .ko] : s
    }
    public func t(_ ko: String, _ en: String) -> String { language == .ko ? ko : en }

    /// The mode whose colours and banner the current screen wears: the open incident's on the
    /// checklist, the chosen one on Start, none on Home.
    public var modeInContext: Mode? { screen.mode(in: self) }

    mutating func navigate(to screen: Screen) {
        self.screen = screen
        navigated = true
    }
}

/// Injected time and ids, so the reducer is deterministic under test (a fixed or stepped clock).
public struct Environment: Sendable {
    public var now: @Sendable () -> Date
    /// A new incident id for a manual opened at a time; unique across operators.
    public var newIncidentID: @Sendable (_ manual: String, _ at: Date) -> String
    /// A new outbox message id (`MessageID.make`): sortable by time, random enough for many desks.
    public var newMessageID: @Sendable (_ at: Date) -> String

    public init(now: @escaping @Sendable () -> Date, newIncidentID: @escaping @Sendable (String, Date) -> String,
                newMessageID: @escaping @Sendable (Date) -> String = { MessageID.make(at: $0) }) {
        self.now = now; self.newIncidentID = newIncidentID; self.newMessageID = newMessageID
    }

    /// The real clock and random ids: `20261129-071203-earthquake-3f9a`.
    public static func live(timeZone: TimeZone = CityTime.default) -> Environment {
        Environment(now: { Date() }, newIncidentID: { manual, at in
            // CivilTime rather than Calendar: the TUI stays clear of ICU (memory goal < 30 MB).
            let c = CivilTime(at, timeZone)
            let stamp = "\(c.year)" + CivilTime.two(c.month) + CivilTime.two(c.day) + "-" + CivilTime.two(c.hour) + CivilTime.two(c.minute) + CivilTime.two(c.second)
            let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16).leftPadded(to: 4, with: "0")
            return "\(stamp)-\(manual)-\(suffix)"
        })
    }
}

/// What happened: a key, time passing, a resize, or the result of an effect the shell performed.
public enum Action: Sendable, Hashable {
    case key(Key)
    /// Time passed (the clock, elapsed times and overdue marks move).
    case tick
    case resized(width: Int, height: Int)
    case incidentsListed([IncidentSummary])
    /// The whole journal of an incident, read from the start (opening or resuming it).
    case journalLoaded(incident: String, events: [IncidentEvent], problems: [String])
    /// New journal lines (ours after an append, or another operator's).
    case journalEvents(incident: String, events: [IncidentEvent], problems: [String])
    /// The append failed: the event is NOT in the journal.
    case journalAppendFailed(IncidentEvent, reason: String)
    case statusSummary(StatusSummary)
    // Outbox (issue 4): what the shell read from outbox.jsonl + delivery.jsonl, and the result
    // of an `.enqueue`. "Queued" is only ever shown after `.outboxAppended`.
    case outboxLoaded(OutboxFeed)
    case outboxAppended(OutboxRecord)
    case outboxAppendFailed(OutboxRecord, reason: String)
    // Drills (issue 6): open a drill of a loaded scenario (`haechi drill`, the Start screen),
    // and the report the shell built for `.loadReport`.
    case openDrill(scenario: String, speed: DrillClock.Speed)
    case reportLoaded(incident: String, report: IncidentReport?, problems: [String])
}

/// What the shell must do. Data, so tests assert them and the shell performs them.
public enum Effect: Sendable, Hashable {
    /// Append durably (flock, fsync) to `incidents/<id>.jsonl`; then read the journal's new
    /// lines back as `.journalEvents`, or report `.journalAppendFailed`.
    case appendJournal(IncidentEvent)
    /// Read the incident's journal from the start (`.journalLoaded`) and keep following it.
    case follow(incident: String)
    case stopFollowing
    /// List incidents in the state directory (`.incidentsListed`).
    case listIncidents
    /// A line for the log file (never the screen).
    case log(String)
    case quit
    /// Append durably (flock, fsync) to outbox.jsonl; answer `.outboxAppended` only after the
    /// fsync returned, else `.outboxAppendFailed`; then re-read the outbox (`.outboxLoaded`).
    case enqueue(OutboxRecord)
    /// Build the after-action report of an incident from its journal, the outbox and the ledger
    /// (`.reportLoaded`).
    case loadReport(incident: String)
}
