import Foundation

/// The listing's fold, in a compact binary form: what `haechi outbox list` knows after reading
/// a prefix of the outbox and of the ledger, so that a later listing reads only what was
/// appended since (see `ListingCheckpoint` in HaechiStore for the file around it).
///
/// The fold is the one reading of history, `OutboxEventIndex`, plus every message record in
/// file order as the listing reads it (`RecordForm.listing`: texts reduced to "" or "·").
/// Nothing that depends on "now", on the channel profiles or on a filter is stored: a listing
/// applies `Posts.of`, `MessageStatus` and its filter to the stored messages at format time,
/// exactly as it does to messages read from the outbox.
///
/// Written and read by hand (no Codable): a listing decodes a million messages from it.
public enum ListingState {
    public static let version: UInt32 = 1

    // MARK: messages, in chunks

    /// Encodes messages into one chunk. Strings other than ids (channels, operators,
    /// incidents) repeat from message to message, so each chunk has its own table of them and
    /// a message refers to entries: smaller, and decoding one copies a String reference
    /// instead of making a new String.
    public struct ChunkWriter {
        private var table: [String: Int] = [:]
        private var strings: [String] = []
        private var body = ByteWriter()
        public private(set) var count = 0
        public init() {}

        private mutating func ref(_ s: String) {
            if let k = table[s] { body.varint(UInt64(k)); return }
            table[s] = strings.count
            body.varint(UInt64(strings.count))
            strings.append(s)
        }

        private mutating func optionalRef(_ s: String?) {
            guard let s else { body.varint(0); return }
            if let k = table[s] { body.varint(UInt64(k) + 1); return }
            table[s] = strings.count
            body.varint(UInt64(strings.count) + 1)
            strings.append(s)
        }

        /// `message` as the listing read it; its texts are kept only as empty or not.
        public mutating func add(_ m: OutboxMessage, isCorrection: Bool) {
            count += 1
            body.string(m.id)
            optionalRef(m.incident)
            body.byte(UInt8(Mode.allCases.firstIndex(of: m.mode)!))
            body.byte(UInt8(MessageClass.allCases.firstIndex(of: m.kind)!))
            var flags: UInt8 = 0
            if isCorrection { flags |= 1 }
            if m.needsApproval { flags |= 2 }
            if !m.text.ko.isEmpty { flags |= 4 }
            if !m.text.en.isEmpty { flags |= 8 }
            if m.posts != nil { flags |= 16 }
            if m.corrects != nil { flags |= 32 }
            body.byte(flags)
            body.varint(UInt64(m.channels.count))
            for c in m.channels { ref(c) }
            ref(m.operator)
            body.double(m.created.timeIntervalSinceReferenceDate)
            if let c = m.corrects { body.string(c) }
            if let posts = m.posts {
                body.varint(UInt64(posts.count))
                for p in posts {
                    ref(p.channel)
                    body.byte(UInt8(Language.allCases.firstIndex(of: p.language)!) | (p.text.isEmpty ? 0 : 0x80))
                    body.byte(UInt8(CountingRule.allCases.firstIndex(of: p.counting)!))
                    body.signed(p.length)
                    body.signed(p.limit)
                }
            }
        }

        /// The chunk: its string table, then its messages.
        public func finish() -> [UInt8] {
            var out = ByteWriter()
            out.varint(UInt64(strings.count))
            for s in strings { out.string(s) }
            out.varint(UInt64(count))
            out.bytes += body.bytes
            return out.bytes
        }
    }

    /// Calls `body` with each message of a chunk, in order; false when the bytes are not a
    /// well-formed chunk (every read is bounds-checked).
    public static func forEachMessage(inChunk bytes: UnsafeBufferPointer<UInt8>,
                                      _ body: (OutboxMessage, Bool) -> Void) -> Bool {
        var r = ByteReader(bytes)
        guard let n = r.count() else { return false }
        var strings: [String] = []
        strings.reserveCapacity(n)
        for _ in 0..<n {
            guard let s = r.string() else { return false }
            strings.append(s)
        }
        func ref() -> String? {
            guard let k = r.varint(), k < strings.count else { return nil }
            return strings[Int(k)]
        }
        guard let messages = r.count() else { return false }
        let dot = "·"
        for _ in 0..<messages {
            guard let id = r.string(), let inc = r.varint(), inc <= strings.count else { return false }
            let incident: String? = inc == 0 ? nil : strings[Int(inc - 1)]
            guard let mode = r.byte().flatMap({ Int($0) < Mode.allCases.count ? Mode.allCases[Int($0)] : nil }),
                  let kind = r.byte().flatMap({ Int($0) < MessageClass.allCases.count ? MessageClass.allCases[Int($0)] : nil }),
                  let flags = r.byte(), let channelCount = r.count() else { return false }
            var channels: [String] = []
            channels.reserveCapacity(channelCount)
            for _ in 0..<channelCount {
                guard let c = ref() else { return false }
                channels.append(c)
            }
            guard let op = ref(), let created = r.double() else { return false }
            var corrects: String?
            if flags & 32 != 0 {
                guard let c = r.string() else { return false }
                corrects = c
            }
            var posts: [OutboxPost]?
            if flags & 16 != 0 {
                guard let postCount = r.count() else { return false }
                var list: [OutboxPost] = []
                list.reserveCapacity(postCount)
                for _ in 0..<postCount {
                    guard let channel = ref(), let lang = r.byte(), Int(lang & 0x7F) < Language.allCases.count,
                          let rule = r.byte(), Int(rule) < CountingRule.allCases.count,
                          let length = r.signed(), let limit = r.signed() else { return false }
                    list.append(OutboxPost(channel: channel, language: Language.allCases[Int(lang & 0x7F)],
                                           text: lang & 0x80 != 0 ? dot : "", length: length, limit: limit,
                                           counting: CountingRule.allCases[Int(rule)]))
                }
                posts = list
            }
            let m = OutboxMessage(id: id, incident: incident, mode: mode, kind: kind, channels: channels,
                                  text: Localized(ko: flags & 4 != 0 ? dot : "", en: flags & 8 != 0 ? dot : ""),
                                  operator: op, created: Date(timeIntervalSinceReferenceDate: created),
                                  needsApproval: flags & 2 != 0, corrects: corrects, posts: posts)
            body(m, flags & 1 != 0)
        }
        return r.atEnd
    }

    // MARK: the event index

    /// Every message's events (approvals, cancel, corrections, the ledger's word per target).
    public static func encode(_ index: OutboxEventIndex, into w: inout ByteWriter) {
        w.varint(UInt64(index.events.count))
        index.events.forEach { id, e in
            w.string(id)
            w.varint(UInt64(e.approvals.count))
            for a in e.approvals { w.string(a.by); w.double(a.at.timeIntervalSinceReferenceDate) }
            if let c = e.cancel {
                w.byte(1); w.string(c.by); w.double(c.at.timeIntervalSinceReferenceDate); w.string(c.reason)
            } else {
                w.byte(0)
            }
            w.varint(UInt64(e.correctedBy.count))
            for c in e.correctedBy { w.string(c) }
            let records = e.ledger.stored
            w.varint(UInt64(records.count))
            for d in records {
                w.byte(UInt8(DeliveryRecord.Kind.allCases.firstIndex(of: d.kind)!))
                w.string(d.channel)
                w.byte(UInt8(Language.allCases.firstIndex(of: d.language)!))
                w.double(d.at.timeIntervalSinceReferenceDate)
                w.optionalSigned(d.attempt)
                w.optionalString(d.remoteID)
                w.optionalDouble(d.next?.timeIntervalSinceReferenceDate)
                w.optionalString(d.reason)
                w.optionalString(d.endpoint)
            }
        }
    }

    public static func decodeIndex(_ bytes: UnsafeBufferPointer<UInt8>) -> OutboxEventIndex? {
        var r = ByteReader(bytes)
        guard let n = r.count() else { return nil }
        var index = OutboxEventIndex()
        for _ in 0..<n {
            guard let id = r.string(), let approvals = r.count() else { return nil }
            var e = MessageEvents()
            for _ in 0..<approvals {
                guard let by = r.string(), let at = r.double() else { return nil }
                e.approvals.append(.init(by: by, at: Date(timeIntervalSinceReferenceDate: at)))
            }
            guard let hasCancel = r.byte() else { return nil }
            if hasCancel == 1 {
                guard let by = r.string(), let at = r.double(), let reason = r.string() else { return nil }
                e.cancel = .init(by: by, at: Date(timeIntervalSinceReferenceDate: at), reason: reason)
            } else if hasCancel != 0 { return nil }
            guard let corrections = r.count() else { return nil }
            for _ in 0..<corrections {
                guard let c = r.string() else { return nil }
                e.correctedBy.append(c)
            }
            guard let recordCount = r.count() else { return nil }
            var records: [DeliveryRecord] = []
            for _ in 0..<recordCount {
                guard let k = r.byte(), Int(k) < DeliveryRecord.Kind.allCases.count, let channel = r.string(),
                      let l = r.byte(), Int(l) < Language.allCases.count, let at = r.double(),
                      let attempt = r.optionalSigned(), let remote = r.optionalString(), let next = r.optionalDouble(),
                      let reason = r.optionalString(), let endpoint = r.optionalString() else { return nil }
                var d = DeliveryRecord(kind: DeliveryRecord.Kind.allCases[Int(k)], message: "", channel: channel,
                                       language: Language.allCases[Int(l)], at: Date(timeIntervalSinceReferenceDate: at),
                                       attempt: attempt, remoteID: remote,
                                       next: next.map { Date(timeIntervalSinceReferenceDate: $0) }, reason: reason, endpoint: endpoint)
                // As `LatestDeliveries.apply` stores them: the owner knows message and key.
                d.key = ""
                records.append(d)
            }
            e.ledger = LatestDeliveries(stored: records)
            guard index.events[id] == nil else { return nil }
            index.restore(id, e)
        }
        return r.atEnd ? index : nil
    }
}

// MARK: bytes

/// Little-endian fixed widths and LEB128 varints.
public struct ByteWriter {
    public var bytes: [UInt8] = []
    public init() {}
    public mutating func byte(_ b: UInt8) { bytes.append(b) }
    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 { bytes.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        bytes.append(UInt8(v))
    }
    /// Zig-zag, so small negative numbers stay short.
    public mutating func signed(_ v: Int) { varint(UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))) }
    public mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    public mutating func double(_ d: Double) { u64(d.bitPattern) }
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { varint(UInt64($0.count)); bytes.append(contentsOf: $0) }
    }
    public mutating func optionalString(_ s: String?) {
        if let s { byte(1); string(s) } else { byte(0) }
    }
    public mutating func optionalSigned(_ v: Int?) {
        if let v { byte(1); signed(v) } else { byte(0) }
    }
    public mutating func optionalDouble(_ d: Double?) {
        if let d { byte(1); double(d) } else { byte(0) }
    }
}

/// Reads what `ByteWriter` wrote; every read checks the bounds and gives nil past the end.
public struct ByteReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var at = 0
    public init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }
    public var atEnd: Bool { at == bytes.count }

    public mutating func byte() -> UInt8? {
        guard at < bytes.count else { return nil }
        at += 1
        return bytes[at - 1]
    }
    public mutating func varint() -> UInt64? {
        var v: UInt64 = 0, shift: UInt64 = 0
        while at < bytes.count, shift < 64 {
            let b = bytes[at]
            at += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
        return nil
    }
    /// A count that cannot exceed the bytes left (each counted item takes at least one).
    public mutating func count() -> Int? {
        guard let v = varint(), v <= UInt64(bytes.count - at) else { return nil }
        return Int(v)
    }
    public mutating func signed() -> Int? {
        guard let z = varint() else { return nil }
        return Int(Int64(bitPattern: z >> 1) ^ -Int64(bitPattern: z & 1))
    }
    public mutating func u64() -> UInt64? {
        guard bytes.count - at >= 8 else { return nil }
        let v = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: at, as: UInt64.self)
        at += 8
        return UInt64(littleEndian: v)
    }
    public mutating func u32() -> UInt32? {
        guard bytes.count - at >= 4 else { return nil }
        let v = UnsafeRawBufferPointer(bytes).loadUnaligned(fromByteOffset: at, as: UInt32.self)
        at += 4
        return UInt32(littleEndian: v)
    }
    public mutating func double() -> Double? { u64().map { Double(bitPattern: $0) } }
    public mutating func string() -> String? {
        guard let n = count() else { return nil }
        let s = String(validating: UnsafeBufferPointer(rebasing: bytes[at..<(at + n)]), as: UTF8.self)
        at += n
        return s
    }
    /// `.some(nil)` for a stored nil, nil when unreadable.
    public mutating func optionalString() -> String?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return string().map { .some($0) } ?? nil
        default: return nil
        }
    }
    public mutating func optionalSigned() -> Int?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return signed().map { .some($0) } ?? nil
        default: return nil
        }
    }
    public mutating func optionalDouble() -> Double?? {
        switch byte() {
        case 0: return .some(nil)
        case 1: return double().map { .some($0) } ?? nil
        default: return nil
        }
    }
}
