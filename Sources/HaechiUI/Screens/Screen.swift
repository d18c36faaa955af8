import HaechiCore

/// The screens. Adding one (the compose/outbox screen, drill injects) is one file holding a
/// `ScreenModel` struct, plus one case here and one line in each switch below.
public indirect enum Screen: Sendable, Hashable {
    case home(HomeScreen)
    case start(StartScreen)
    case checklist(ChecklistScreen)
    case review(ReviewScreen)
    /// Help remembers the screen it was opened from, to return to it.
    case help(HelpScreen)
    case compose(ComposeScreen)
    case outbox(OutboxScreen)
    /// The after-action report (issue 6); remembers the screen it was opened from.
    case report(ReportScreen)

    /// Every screen's key table, in the order Help lists them.
    public static let keyTables: [KeyTable] = [
        HomeScreen.keys, StartScreen.keys, ChecklistScreen.keys, ReviewScreen.keys, HelpScreen.keys,
        ComposeScreen.keys, OutboxScreen.keys, ReportScreen.keys,
    ]

    public var keys: KeyTable {
        switch self {
        case .home: HomeScreen.keys
        case .start: StartScreen.keys
        case .checklist: ChecklistScreen.keys
        case .review: ReviewScreen.keys
        case .help: HelpScreen.keys
        case .compose: ComposeScreen.keys
        case .outbox: OutboxScreen.keys
        case .report: ReportScreen.keys
        }
    }

    func mode(in app: AppState) -> Mode? {
        switch self {
        case .home(let s): s.mode(in: app)
        case .start(let s): s.mode(in: app)
        case .checklist(let s): s.mode(in: app)
        case .review(let s): s.mode(in: app)
        case .help(let s): s.mode(in: app)
        case .compose(let s): s.mode(in: app)
        case .outbox(let s): s.mode(in: app)
        case .report(let s): s.mode(in: app)
        }
    }

    func capturesText(_ key: Key, app: AppState) -> Bool {
        switch self {
        case .start(let s): s.capturesText(key, app: app)
        case .compose(let s): s.capturesText(key, app: app)
        default: false
        }
    }

    func render(_ app: AppState, into canvas: inout Canvas) {
        switch self {
        case .home(let s): s.render(app, into: &canvas)
        case .start(let s): s.render(app, into: &canvas)
        case .checklist(let s): s.render(app, into: &canvas)
        case .review(let s): s.render(app, into: &canvas)
        case .help(let s): s.render(app, into: &canvas)
        case .compose(let s): s.render(app, into: &canvas)
        case .outbox(let s): s.render(app, into: &canvas)
        case .report(let s): s.render(app, into: &canvas)
        }
    }

    /// Runs the screen's handler on a copy of its state and writes it back unless the handler
    /// navigated elsewhere.
    static func dispatch(_ app: inout AppState, _ body: (inout any ScreenModel, inout AppState) -> [Effect]) -> [Effect] {
        var model: any ScreenModel
        switch app.screen {
        case .home(let s): model = s
        case .start(let s): model = s
        case .checklist(let s): model = s
        case .review(let s): model = s
        case .help(let s): model = s
        case .compose(let s): model = s
        case .outbox(let s): model = s
        case .report(let s): model = s
        }
        app.navigated = false
        let effects = body(&model, &app)
        if !app.navigated { app.screen = model.wrapped }
        app.navigated = false
        return effects
    }
}

/// One screen: its key table, how it draws, how it handles its commands.
public protocol ScreenModel: Sendable, Hashable {
    static var keys: KeyTable { get }
    /// The screen state put back into the enum.
    var wrapped: Screen { get }
    /// LIVE/DRILL colours and banner, or nil for the neutral ones.
    func mode(in app: AppState) -> Mode?
    func render(_ app: AppState, into canvas: inout Canvas)
    mutating func handle(_ command: Command, app: inout AppState, env: Environment) -> [Effect]
    /// Keys no binding claimed (typing into a field). Return nil to get "key does nothing".
    mutating func handleUnbound(_ key: Key, app: inout AppState, env: Environment) -> [Effect]?
    /// The answer to a prompt this screen raised.
    mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect]
    /// Whether this key is text for a focused field (so `?` or `L` are typed, not commands).
    func capturesText(_ key: Key, app: AppState) -> Bool
    /// The visible incident changed (journal lines arrived): keep the selection valid.
    mutating func incidentChanged(app: AppState)
}

extension ScreenModel {
    public mutating func handleUnbound(_ key: Key, app: inout AppState, env: Environment) -> [Effect]? { nil }
    public mutating func promptAnswered(_ purpose: Prompt.Purpose, text: String, app: inout AppState, env: Environment) -> [Effect] { [] }
    public mutating func incidentChanged(app: AppState) {}
    public func capturesText(_ key: Key, app: AppState) -> Bool { false }
}
