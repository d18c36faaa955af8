import Foundation

/// Why an approve or cancel is refused.
public enum OutboxRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    case noSuchMessage(String)
    case ownMessage(id: String, operator: String)
    case approvalNotNeeded(String)
    case alreadyApproved(id: String, by: String)
    case alreadyCancelled(String)
    case deliveredEverywhere(String)
    case nothingLeftToCancel(String)
    case noOperator

    public var description: String {
        switch self {
        case .noSuchMessage(let id): "no message '\(id)' in the outbox"
        case .ownMessage(let id, let op): "\(op) queued \(id) and cannot approve it: another operator must"
        case .approvalNotNeeded(let id): "\(id) does not need approval"
        case .alreadyApproved(let id, let by): "\(id) was already approved by \(by)"
        case .alreadyCancelled(let id): "\(id) is already cancelled"
        case .deliveredEverywhere(let id): "\(id) is already delivered on every channel; queue a correction instead"
        case .nothingLeftToCancel(let id): "\(id) has nothing left to cancel (every channel is delivered, dead or cancelled)"
        case .noOperator: "no operator name (use --operator or set $USER)"
        }
    }
}

/// The approve and cancel rules, as pure functions from a message's status to the record to
/// append, so the TUI and the CLI cannot disagree.
public enum OutboxRules {
    public static func approve(_ status: MessageStatus?, id: String, by approver: String, at: Date) -> Result<OutboxRecord, OutboxRefusal> {
        guard let status else { return .failure(.noSuchMessage(id)) }
        let who = approver.trimmingCharacters(in: .whitespaces)
        guard !who.isEmpty else { return .failure(.noOperator) }
        guard status.message.needsApproval else { return .failure(.approvalNotNeeded(id)) }
        if status.isCancelled { return .failure(.alreadyCancelled(id)) }
        if let by = status.approvedBy { return .failure(.alreadyApproved(id: id, by: by)) }
        // Nobody approves their own message: the whole point is a second pair of eyes.
        guard who != status.message.operator else { return .failure(.ownMessage(id: id, operator: who)) }
        return .success(.approve(message: id, operator: who, at: at))
    }

    public static func cancel(_ status: MessageStatus?, id: String, by op: String, at: Date, reason: String) -> Result<OutboxRecord, OutboxRefusal> {
        guard let status else { return .failure(.noSuchMessage(id)) }
        let who = op.trimmingCharacters(in: .whitespaces)
        guard !who.isEmpty else { return .failure(.noOperator) }
        if status.isCancelled { return .failure(.alreadyCancelled(id)) }
        if status.isDeliveredEverywhere { return .failure(.deliveredEverywhere(id)) }
        if status.isFinished { return .failure(.nothingLeftToCancel(id)) }
        return .success(.cancel(message: id, operator: who, at: at, reason: reason))
    }
}
