import ArgumentParser
import Foundation
import HaechiCore
import HaechiStore

/// `haechi outbox stress-append` (hidden): appends drill messages as fast as it can and prints
/// each id only after its append returned (fsync done). The durability tests spawn it many
/// times at once and kill it at random moments; every id it printed must be in the file.
struct OutboxStressAppendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-append",
        abstract: "Append test records as fast as possible (for durability tests).",
        shouldDisplay: false
    )
    @OptionGroup var stateOption: StateOption
    @Option(help: "How many records.") var count = 1000
    @Option(help: "A tag for this writer, repeated in its texts.") var writer = "w"

    func run() throws {
        if case .postgres = try StoreShell.address(stateOption) {
            throw ValidationError("stress-append exercises the file append protocol; it does not take --store")
        }
        let state = OutboxShell.state(stateOption)
        try state.prepare(incidents: false)
        let outbox = FileOutbox(state: state)
        var rng = SystemRandomNumberGenerator()
        for n in 0..<count {
            let id = "\(MessageID.make(at: Date()))-\(writer)-\(n)"
            // Mostly short, every tenth beyond a pipe buffer (4096 bytes), so interleaved writes
            // would show as broken lines.
            let body = String(repeating: "\(writer):\(n) 훈련 ", count: Int.random(in: 1...(n % 10 == 0 ? 350 : 30), using: &rng))
            let message = OutboxMessage(id: id, mode: .drill, kind: .info, channels: ["webhook"],
                                        text: Localized(ko: body, en: ""), operator: "stress", created: Date())
            do {
                try outbox.append(.message(message))
            } catch {
                OutboxShell.say("NOT queued: \(error)")
                throw ExitCode(2)
            }
            OutboxShell.out(id)
        }
    }
}
