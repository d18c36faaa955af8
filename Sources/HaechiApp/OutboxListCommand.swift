import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi outbox list`: every message with its state per channel and language.
struct OutboxListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List messages with their state per channel (joined with the sender's ledger).",
        discussion: """
        By default, messages created in the last 24 hours; --incident ID for one incident, --all \
        for everything. With --json, one object per line: id, mode, kind, channels, created, \
        operator, incident, corrects, approval, cancelled, and state (channel → language → state \
        name) with detail (the same, in words: remote id, retry time, reason).
        States: awaiting-approval, queued, sending, delivered, retrying, dead, cancelled, unknown.
        Bad lines in either file are counted on stderr (see `haechi outbox verify`).
        """
    )
    @OptionGroup var stateOption: StateOption
    @OptionGroup var manualsOption: ManualsOption
    @Flag(help: "One JSON object per line.") var json = false
    @Option(help: "Only this incident's messages.") var incident: String?
    @Flag(help: "Every message, however old.") var all = false

    func run() throws {
        let state = OutboxShell.state(stateOption)
        let channels = try? OutboxShell.channels(manualsOption)
        let now = Date()
        let filter: (OutboxMessage) -> Bool = { [incident, all] m in
            if let incident { return m.incident == incident }
            return all || now.timeIntervalSince(m.created) < 24 * 3600
        }
        var output = OutputBuffer()
        let summary = try OutboxListing.stream(state: state, channels: channels, filter: filter) { status in
            output.append(json ? OutboxListing.jsonLine(status) : OutboxListing.textLine(status))
        }
        output.flush()
        if summary.bad > 0 {
            OutboxShell.say("warning: \(summary.bad) bad line(s) skipped; run `haechi outbox verify` for where")
        }
        if !json && summary.listed == 0 {
            OutboxShell.say(summary.messages == 0 ? "no messages in \(state.outboxPath)" : "no messages match (try --all)")
        }
    }
}

/// Collects stdout in large blocks: a million lines through `print` would cost seconds.
struct OutputBuffer {
    private var bytes: [UInt8] = []
    mutating func append(_ line: String) {
        bytes += line.utf8
        bytes.append(UInt8(ascii: "\n"))
        if bytes.count >= 1 << 16 { flush() }
    }
    mutating func flush() {
        guard !bytes.isEmpty else { return }
        FileHandle.standardOutput.write(Data(bytes))
        bytes.removeAll(keepingCapacity: true)
    }
}

/// The listing in two streaming passes, so memory follows the number of events (approvals,
/// cancels, ledger lines) rather than the size of every message body: first collect events
/// from the outbox and the ledger, then read the outbox again and join each message as it
/// passes.
public enum OutboxListing {
    public struct Summary: Sendable { public var messages = 0; public var listed = 0; public var bad = 0 }

    public static func stream(state: StateDirectory, channels: ChannelProfiles?, filter: (OutboxMessage) -> Bool,
                              _ body: (MessageStatus) throws -> Void) throws -> Summary {
        var summary = Summary()
        var index = OutboxEventIndex()
        let outbox = FileOutbox(state: state)
        try outbox.scanEvents({ index.apply($0) }, bad: { _ in summary.bad += 1 })
        var reader = LogReader(path: state.deliveryPath)
        try RecordLog<DeliveryRecord>.read(&reader, following: false, into: { index.apply($0) }, bad: { _ in summary.bad += 1 })
        try outbox.scan({ record in
            switch record {
            case .message(let m), .correct(let m):
                summary.messages += 1
                guard filter(m) else { return }
                var isCorrection = false
                if case .correct = record { isCorrection = true }
                summary.listed += 1
                try body(index.status(of: m, isCorrection: isCorrection, channels: channels))
            default: break
            }
        }, bad: { _ in })
        return summary
    }

    public static func textLine(_ s: MessageStatus) -> String {
        let m = s.message
        let mode = m.mode == .drill ? "DRILL" : "LIVE "
        let states = s.states.map { "\($0.target)=\($0.state)" }.joined(separator: "  ")
        var flags: [String] = []
        if s.isCorrection, let c = m.corrects { flags.append("corrects \(c)") }
        if let c = s.cancel { flags.append("cancelled by \(c.by)") }
        if let a = s.approval { flags.append("approved by \(a.by)") }
        if !s.correctedBy.isEmpty { flags.append("corrected by \(s.correctedBy.joined(separator: ","))") }
        let head = "\(m.id)  \(mode)  \(m.kind.rawValue)  \(RecordCoding.formatTimestamp(m.created))  \(m.operator)"
        return head + (flags.isEmpty ? "" : "  [\(flags.joined(separator: "; "))]") + "\n    " + states
    }

    /// One JSON object, written by hand: JSONEncoder per line would dominate listing a million.
    public static func jsonLine(_ s: MessageStatus) -> String {
        let m = s.message
        var o = JSONObject()
        o.string("id", m.id)
        o.string("mode", m.mode.rawValue)
        o.string("kind", m.kind.rawValue)
        o.raw("channels", "[" + m.channels.map(JSONObject.quote).joined(separator: ",") + "]")
        o.string("created", RecordCoding.formatTimestamp(m.created))
        o.string("operator", m.operator)
        if let i = m.incident { o.string("incident", i) }
        if let c = m.corrects { o.string("corrects", c) }
        o.raw("needs_approval", m.needsApproval ? "true" : "false")
        if let a = s.approval { o.string("approved_by", a.by) }
        if let c = s.cancel { o.string("cancelled_by", c.by) }
        var byChannel: [(String, [(Language, DeliveryState)])] = []
        for (target, state) in s.states {
            if let i = byChannel.firstIndex(where: { $0.0 == target.channel }) {
                byChannel[i].1.append((target.language, state))
            } else {
                byChannel.append((target.channel, [(target.language, state)]))
            }
        }
        func nested(_ value: (DeliveryState) -> String) -> String {
            "{" + byChannel.map { channel, languages in
                JSONObject.quote(channel) + ":{" + languages.map { JSONObject.quote($0.0.rawValue) + ":" + JSONObject.quote(value($0.1)) }
                    .joined(separator: ",") + "}"
            }.joined(separator: ",") + "}"
        }
        o.raw("state", nested { $0.name })
        o.raw("detail", nested { $0.description })
        return o.text + "}"
    }
}

/// A JSON object built as text, for output that must be fast and stable.
struct JSONObject {
    var text = "{"
    private var first = true
    mutating func raw(_ key: String, _ value: String) {
        text += (first ? "" : ",") + JSONObject.quote(key) + ":" + value
        first = false
    }
    mutating func string(_ key: String, _ value: String) { raw(key, JSONObject.quote(value)) }

    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
