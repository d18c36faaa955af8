import HaechiCore

/// The eight terminal colours plus orange (256-colour terminals; yellow elsewhere) and the
/// terminal's own default.
public enum ThemeColour: String, Sendable, Hashable, CaseIterable {
    case terminalDefault = "default", black, red, green, yellow, blue, magenta, cyan, white, orange
}

/// How tones look: chosen in the config file (`theme:`), applied by the terminal backend.
/// Pure data, so snapshots can show what each theme gives LIVE and DRILL.
public struct Theme: Sendable, Hashable {
    public struct Pair: Sendable, Hashable {
        public var foreground: ThemeColour
        public var background: ThemeColour
        public var bold: Bool
        public init(_ foreground: ThemeColour, _ background: ThemeColour = .terminalDefault, bold: Bool = false) {
            self.foreground = foreground; self.background = background; self.bold = bold
        }
    }
    public enum Name: String, Sendable, Hashable, CaseIterable {
        case standard = "default"
        case highContrast = "high-contrast"
        case colourBlind = "colour-blind"
        case light
    }
    public var name: Name
    private var overrides: [Tone: Pair]

    public func colours(_ tone: Tone) -> Pair { overrides[tone] ?? Theme.base(tone) }

    public static func named(_ name: Name) -> Theme {
        switch name {
        case .standard: standard
        case .highContrast: highContrast
        case .colourBlind: colourBlind
        case .light: light
        }
    }

    /// The original scheme: LIVE white on red, DRILL white on blue.
    public static let standard = Theme(name: .standard, overrides: [:])

    /// Everything bold, no dim grey text, pure black/white banners around the mode colours.
    public static let highContrast = Theme(name: .highContrast, overrides: [
        .normal: Pair(.white, .black), .dim: Pair(.white, .black), .title: Pair(.yellow, .black, bold: true),
        .liveBanner: Pair(.white, .red, bold: true), .drillBanner: Pair(.black, .cyan, bold: true),
        .neutralBanner: Pair(.black, .white, bold: true),
        .liveAccent: Pair(.red, .black, bold: true), .drillAccent: Pair(.cyan, .black, bold: true),
        .overdue: Pair(.black, .yellow, bold: true), .error: Pair(.white, .red, bold: true),
        .warning: Pair(.yellow, .black, bold: true), .done: Pair(.green, .black, bold: true), .ok: Pair(.green, .black, bold: true),
    ])

    /// LIVE and DRILL differ in more than red against blue: LIVE is black on yellow/orange
    /// (light), DRILL white on blue (dark), so they differ in lightness for every kind of
    /// colour blindness; overdue is orange/yellow, done is blue rather than green.
    public static let colourBlind = Theme(name: .colourBlind, overrides: [
        .liveBanner: Pair(.black, .orange, bold: true), .drillBanner: Pair(.white, .blue, bold: true),
        .liveAccent: Pair(.orange, bold: true), .drillAccent: Pair(.blue, bold: true),
        .overdue: Pair(.orange, bold: true), .error: Pair(.orange, bold: true),
        .done: Pair(.blue), .ok: Pair(.blue), .inProgress: Pair(.magenta), .warning: Pair(.magenta, bold: true),
    ])

    /// For dark text on a light background: no yellow or cyan text (unreadable on white).
    public static let light = Theme(name: .light, overrides: [
        .title: Pair(.blue, bold: true), .drillAccent: Pair(.blue, bold: true),
        .inProgress: Pair(.magenta), .warning: Pair(.magenta, bold: true), .levelCaution: Pair(.magenta),
        .neutralBanner: Pair(.white, .black),
    ])

    static func base(_ tone: Tone) -> Pair {
        switch tone {
        case .normal, .dim, .keyHint, .skipped, .selected: Pair(.terminalDefault)
        case .title: Pair(.cyan)
        case .liveBanner: Pair(.white, .red)
        case .drillBanner: Pair(.white, .blue)
        case .neutralBanner: Pair(.black, .white)
        case .liveAccent: Pair(.red)
        case .drillAccent: Pair(.cyan)
        case .done, .ok: Pair(.green)
        case .inProgress, .warning: Pair(.yellow)
        case .overdue, .error: Pair(.red)
        case .levelInterest: Pair(.blue)
        case .levelCaution: Pair(.yellow)
        case .levelAlert: Pair(.orange)
        case .levelSerious: Pair(.red)
        }
    }

    /// `white on red bold`, for snapshots and `haechi --help`.
    public func describe(_ tone: Tone) -> String {
        let p = colours(tone)
        return p.foreground.rawValue + " on " + p.background.rawValue + (p.bold ? " bold" : "")
    }
}
