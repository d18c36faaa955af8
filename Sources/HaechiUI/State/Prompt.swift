import Foundation
import HaechiCore

// TextField (the editing of every field) lives in Text/TextField.swift.

/// A question on the message line that takes over the keyboard until Enter or Esc.
public struct Prompt: Sendable, Hashable {
    public enum Purpose: Sendable, Hashable {
        case note(step: String)
        case skipReason(step: String)
        case notApplicableReason(step: String)
        case closeSummary
        // roles and added steps (issue 13)
        case assignRole(role: String)
        case addStep
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
        /// Compose in a channel's quiet hours: why a non-urgent text cannot wait (kept in the record).
        case quietHoursReason
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
