import Foundation

/// What the TUI says about the sender: its heartbeat file's age decides. Pure, so the home and
/// outbox screens can show it from a `stat` result without importing the sender.
public enum SenderStatus: String, Sendable, Hashable, CaseIterable {
    /// The heartbeat was touched recently: messages queued now will go out.
    case alive
    /// A heartbeat exists but is old: the sender crashed, hangs, or its machine sleeps.
    case stale
    /// No heartbeat file: the sender has never run on this state directory.
    case absent

    /// How often the sender touches `sender.heartbeat`.
    public static let heartbeatInterval: TimeInterval = 2
    /// Three missed beats, so one slow fsync on a busy disk does not flap the indicator.
    public static let staleAfter: TimeInterval = 3 * heartbeatInterval + 1

    /// - Parameters:
    ///   - heartbeatMTime: modification time of `sender.heartbeat`, nil when the file is missing.
    ///   - now: the current time.
    /// A heartbeat from the future (clock stepped back) counts as alive: the file was just written.
    public static func from(heartbeatMTime: Date?, now: Date, staleAfter: TimeInterval = SenderStatus.staleAfter) -> SenderStatus {
        guard let mtime = heartbeatMTime else { return .absent }
        return now.timeIntervalSince(mtime) <= staleAfter ? .alive : .stale
    }

    public var label: Localized {
        switch self {
        case .alive: Localized(ko: "발송기 작동 중", en: "sender alive")
        case .stale: Localized(ko: "발송기 응답 없음", en: "sender stale")
        case .absent: Localized(ko: "발송기 없음", en: "sender absent")
        }
    }
}
