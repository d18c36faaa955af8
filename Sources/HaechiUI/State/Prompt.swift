import Foundation
import HaechiCore

/// A line of text being typed: a note, a skip reason, a variable. Text is kept in NFC so that
/// what is measured, drawn and journaled is the same Hangul.
public struct TextField: Sendable, Hashable {
    public var text: String
    /// Longest accepted value in characters (nil: no limit).
    public var maxLength: Int?
    public init(_ text: String = "", maxLength: Int? = nil) { self.text = text; self.maxLength = maxLength }

    public enum Edit { case changed, unchanged, tooLong }

    /// Applies an editing key; returns nil when the key is not an editing key.
    public mutating func edit(_ key: Key) -> Edit? {
        switch key {
        case .char(let c):
            let next = NFC.normalize(text + String(c))
            if let maxLength, next.count > maxLength { return .tooLong }
            text = next
            return .changed
        case .backspace, .ctrl("h"):
            guard !text.isEmpty else { return .unchanged }
            text.removeLast()
            return .changed
        case .ctrl("u"):
            text = ""
            return .changed
        case .ctrl("w"):
            while text.last == " " { text.removeLast() }
            while let l = text.last, l != " " { _ = l; text.removeLast() }
            return .changed
        default:
            return nil
        }
    }

    public var trimmed: String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

/// A question on the message line that takes over the keyboard until Enter or Esc.
public struct Prompt: Sendable, Hashable {
    public enum Purpose: Sendable, Hashable {
        case note(step: String)
        case skipReason(step: String)
        case notApplicableReason(step: String)
        case closeSummary
        case level(AlertLevel)
        /// Opening a LIVE incident needs the word typed, not a key pressed (the Hawaii lesson).
        case confirmLive
        case search
        // compose and outbox: a LIVE queue or approval needs `expected` typed; a repeat within
        // 24 h needs a deliberate yes; a cancel needs a reason.
        case confirmLiveMessage(expected: String)
        case confirmRepeat
        case confirmApprove(message: String, expected: String)
        case cancelReason(message: String)
    }
    public var purpose: Purpose
    public var label: Localized
    public var field: TextField
    /// Whether an empty answer is refused.
    public var required: Bool
    public init(_ purpose: Purpose, label: Localized, field: TextField = TextField(maxLength: 500), required: Bool) {
        self.purpose = purpose; self.label = label; self.field = field; self.required = required
    }
}
