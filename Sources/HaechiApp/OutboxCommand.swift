import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore
#if canImport(Glibc)
import Glibc
#endif

/// `haechi outbox …`: queue, list, approve, cancel, verify and render official messages
/// without a terminal UI (scripts, integration, operators over a plain SSH session).
struct OutboxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox",
        abstract: "Queue and inspect official SNS messages in the durable outbox.",
        discussion: """
        The outbox is outbox.jsonl in the state directory. A message is queued only once it is on \
        disk (fsync returned); anything else is reported as "NOT queued: <why>" with a non-zero exit.
        """,
        subcommands: [
            OutboxAddCommand.self, OutboxListCommand.self, OutboxApproveCommand.self, OutboxCancelCommand.self,
            OutboxVerifyCommand.self, OutboxCAPCommand.self, OutboxStressAppendCommand.self,
        ]
    )
}

/// What every outbox subcommand needs: the state directory, the operator's name and a way to
/// speak on stderr without mixing into the id printed on stdout.
enum OutboxShell {
    static func state(_ option: StateOption) -> StateDirectory { StateDirectory.resolve(option.state) }

    /// The store of `--store`/`$HAECHI_STORE`, else the state directory's files. A database
    /// that cannot be used is a plain error (the command queues nothing).
    static func store(_ option: StateOption) throws -> any Store {
        do {
            return try StoreShell.open(option).store
        } catch let error as StoreError {
            say("NOT done: \(error)")
            throw ExitCode(2)
        }
    }

    /// `--operator`, else `$HAECHI_OPERATOR`, else the login name: operators log in as themselves.
    static func operatorName(_ explicit: String?) -> String {
        let env = ProcessInfo.processInfo.environment
        for candidate in [explicit, env["HAECHI_OPERATOR"], env["USER"], env["LOGNAME"]] {
            if let c = candidate.map(Trimming.whitespace), !c.isEmpty { return c }
        }
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return ""
    }

    static func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes stdout without Foundation's buffering, so a caller that is killed right after
    /// still has every line that was printed.
    static func out(_ line: String) {
        var bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue }; return }
            offset += n
        }
    }

    /// The channel profiles only (`channels.yaml`), cheaper than loading every manual.
    static func channels(_ manuals: ManualsOption) throws -> ChannelProfiles {
        let path = manuals.directory + "/" + ChannelProfileLoader.fileName
        guard FileManager.default.fileExists(atPath: path) else {
            throw OutboxCLIError("cannot read channel profiles: \(path) not found (use --manuals DIR)")
        }
        let (profiles, problems) = ChannelProfileLoader.load(path: path)
        if let first = problems.first(where: { $0.severity == .error }) {
            throw OutboxCLIError("channel profiles have errors: \(first) (run `haechi lint`)")
        }
        return profiles
    }

    /// The status of one message, read in a streaming pass so even a huge outbox costs little.
    static func status(of id: String, state: StateDirectory, channels: ChannelProfiles?) throws -> (MessageStatus?, original: OutboxMessage?) {
        try status(of: id, store: FileStore(state), channels: channels)
    }

    static func status(of id: String, store: any Store, channels: ChannelProfiles?) throws -> (MessageStatus?, original: OutboxMessage?) {
        var message: (OutboxMessage, Bool)?
        var index = OutboxEventIndex()
        let outbox = StoreOutbox(store)
        try outbox.scan({ record in
            switch record {
            case .message(let m) where m.id == id: if message == nil { message = (m, false) }
            case .correct(let m) where m.id == id: if message == nil { message = (m, true) }
            case .correct(let m) where m.corrects == id: index.apply(record)
            case .approve(let target, _, _) where target == id: index.apply(record)
            case .cancel(let target, _, _, _) where target == id: index.apply(record)
            default: break
            }
        }, bad: { _ in })
        try store.read(DeliveryRecord.self, .ledger, into: { if $0.message == id { index.apply($0) } }, bad: { _ in })
        guard let (m, isCorrection) = message else { return (nil, nil) }
        var original: OutboxMessage?
        if let corrected = m.corrects {
            try outbox.scan({ record in
                if case .message(let o) = record, o.id == corrected { original = o }
                if case .correct(let o) = record, o.id == corrected { original = o }
            }, bad: { _ in })
        }
        return (index.status(of: m, isCorrection: isCorrection, channels: channels), original)
    }
}

/// A failure the operator can act on, printed as it is.
struct OutboxCLIError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// `haechi outbox approve ID`: a second operator lets a LIVE message go.
struct OutboxApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a LIVE message that awaits a second operator (never your own)."
    )
    @OptionGroup var stateOption: StateOption
    @OptionGroup var manualsOption: ManualsOption
    @Argument(help: "The message id.") var id: String
    @Option(help: "Your name (default: $HAECHI_OPERATOR, else your login name).") var `operator`: String?

    func run() throws {
        let store = try OutboxShell.store(stateOption)
        let channels = try? OutboxShell.channels(manualsOption)
        let (status, _) = try OutboxShell.status(of: id, store: store, channels: channels)
        switch OutboxRules.approve(status, id: id, by: OutboxShell.operatorName(`operator`), at: Date()) {
        case .failure(let refusal):
            OutboxShell.say("NOT approved: \(refusal)")
            throw ExitCode(1)
        case .success(let record):
            do { try store.append(record, to: .outbox) } catch {
                OutboxShell.say("NOT approved: \(error)")
                throw ExitCode(2)
            }
            OutboxShell.out("approved \(id)")
        }
    }
}

/// `haechi outbox cancel ID`: stop a message that is not delivered everywhere yet.
struct OutboxCancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a message on every channel it has not reached yet.",
        discussion: "A message already delivered everywhere cannot be cancelled: queue a correction (`add --corrects ID`)."
    )
    @OptionGroup var stateOption: StateOption
    @OptionGroup var manualsOption: ManualsOption
    @Argument(help: "The message id.") var id: String
    @Option(help: "Why (kept in the outbox and the after-action report).") var reason: String = ""
    @Option(help: "Your name (default: $HAECHI_OPERATOR, else your login name).") var `operator`: String?

    func run() throws {
        let store = try OutboxShell.store(stateOption)
        let channels = try? OutboxShell.channels(manualsOption)
        let (status, _) = try OutboxShell.status(of: id, store: store, channels: channels)
        switch OutboxRules.cancel(status, id: id, by: OutboxShell.operatorName(`operator`), at: Date(), reason: reason) {
        case .failure(let refusal):
            OutboxShell.say("NOT cancelled: \(refusal)")
            if let status, CAPLifecycle.needsCancelNotice(status) {
                // Posted already: what is left to do is telling the public (issue 12).
                OutboxShell.say("it has been posted: queue its cancel notice with haechi outbox add --cancels \(id) --mode \(status.message.mode.rawValue)"
                                + (status.message.mode == .live ? " --confirm-live …" : ""))
            }
            throw ExitCode(1)
        case .success(let record):
            do { try store.append(record, to: .outbox) } catch {
                OutboxShell.say("NOT cancelled: \(error)")
                throw ExitCode(2)
            }
            OutboxShell.out("cancelled \(id)")
        }
    }
}

/// `haechi outbox cap ID`: the message as a CAP 1.2 alert, by the renderer the sender uses.
struct OutboxCAPCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cap",
        abstract: "Print a message as a CAP 1.2 alert (Exercise for drills; Update for corrections and all-clears; Cancel for cancel notices).",
        discussion: "With --cancel, prints the Cancel alert of a message cancelled before delivery, referencing it."
    )
    @OptionGroup var stateOption: StateOption
    @OptionGroup var manualsOption: ManualsOption
    @Argument(help: "The message id.") var id: String
    @Option(help: "CAP sender id (default: $HAECHI_CAP_SENDER, else haechi@localhost).") var sender: String?
    @Option(name: .customLong("sender-name"), help: "CAP senderName in Korean (default: 서울특별시).") var senderNameKO: String?
    @Option(name: .customLong("sender-name-en"), help: "CAP senderName in English (default: Seoul Metropolitan Government).") var senderNameEN: String?
    @Flag(help: "Print the Cancel alert of a message cancelled before delivery.") var cancel = false

    func run() throws {
        let store = try OutboxShell.store(stateOption)
        let (found, original) = try OutboxShell.status(of: id, store: store, channels: nil)
        guard let status = found else {
            OutboxShell.say("haechi: no message '\(id)' in \(StoreOutbox(store).location)")
            throw ExitCode(1)
        }
        let env = ProcessInfo.processInfo.environment
        let id = sender ?? env["HAECHI_CAP_SENDER"].flatMap { $0.isEmpty ? nil : $0 } ?? "haechi@localhost"
        let name = Localized(ko: senderNameKO ?? CAPAlert.Sender.seoulName.ko, en: senderNameEN ?? CAPAlert.Sender.seoulName.en)
        let capSender = CAPAlert.Sender(id: id, name: name)
        let message = status.message
        if cancel {
            guard let c = status.cancel else {
                OutboxShell.say("haechi: \(message.id) is not cancelled; there is no Cancel alert to print")
                throw ExitCode(1)
            }
            print(CAPAlert.render(message, isCorrection: status.isCorrection, correctsSent: original?.created,
                                  sender: capSender, cancelledAt: c.at), terminator: "")
        } else {
            print(CAPAlert.render(message, isCorrection: status.isCorrection, correctsSent: original?.created, sender: capSender),
                  terminator: "")
        }
    }
}
