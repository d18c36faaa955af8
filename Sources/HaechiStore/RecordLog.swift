import Foundation
import HaechiCore

/// A typed append log: records of one Codable type, one per line, framed and checksummed.
public struct RecordLog<Record: Codable & Sendable>: Sendable {
    public let log: AppendLog
    public var path: String { log.path }

    public init(path: String, mode: mode_t = 0o660) {
        log = AppendLog(path: path, mode: mode)
    }

    public static func encode(_ record: Record) throws -> [UInt8] {
        if let direct = record as? any DirectlyEncodable {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(1024)
            if direct.encodeDirectly(into: &bytes) { return bytes }
        }
        return Array(try RecordCoding.encoder().encode(record))
    }

    /// Durably appends the record; when this returns, the record is on disk.
    public func append(_ record: Record) throws {
        try log.append(Self.encode(record))
    }

    public func append(_ records: [Record]) throws {
        try log.append(bodies: records.map(Self.encode))
    }

    /// Reads every record, skipping (and returning) bad lines.
    public func readAll() throws -> (records: [Record], bad: [BadLine]) {
        var records: [Record] = []
        var bad: [BadLine] = []
        var reader = LogReader(path: path)
        try Self.read(&reader, following: false, into: { records.append($0) }, bad: { bad.append($0) })
        return (records, bad)
    }

    /// Reads the lines after `reader`'s position, decoding each record. Lines for which `skip`
    /// returns true (given the record's bytes, not yet checksummed) are neither checked nor
    /// decoded, and a bad one among them is not reported by this pass.
    /// Returns false when the file does not exist yet.
    @discardableResult
    public static func read(_ reader: inout LogReader, following: Bool, skip: ((ArraySlice<UInt8>) -> Bool)? = nil,
                            into body: (Record) throws -> Void, bad: (BadLine) -> Void) throws -> Bool {
        let hasSkip = skip != nil
        let skip = skip ?? { _ in false }
        // One decoder for the whole pass: making one per line costs more than the decoding.
        let decoder = RecordCoding.decoder()
        let path = reader.path
        // With a skip predicate, checksums are checked only on the lines that are kept: a
        // skipped line is not read, so whether it is intact does not matter to this pass.
        let skipping = hasSkip
        reader.verifyChecksums = !skipping
        defer { reader.verifyChecksums = true }
        return try reader.read(following: following) { line in
            var result = line.result
            if skipping, case .success(let unverified) = result {
                if skip(unverified) { return }
                result = LineFrame.decode(line.line)
            }
            switch result {
            case .failure(let problem):
                bad(BadLine(path: path, number: line.number, offset: line.offset, problem: problem.description))
            case .success(let bytes):
                let record: Record
                switch decode(bytes, decoder: decoder) {
                case .success(let r): record = r
                case .failure(let problem):
                    bad(BadLine(path: path, number: line.number, offset: line.offset, problem: problem.text))
                    return
                }
                try body(record)
            }
        }
    }
}

extension RecordLog {
    /// Why a record's bytes are not a valid record, in words for a `BadLine`.
    public struct Problem: Error, Sendable { public let text: String }

    /// One record from its JSON bytes: the one decoding path of every store (files, database).
    public static func decode(_ bytes: ArraySlice<UInt8>, decoder: JSONDecoder) -> Result<Record, Problem> {
        do {
            if let direct = Record.self as? any DirectlyDecodable.Type,
               let fast = bytes.withUnsafeBufferPointer({ direct.decodeDirectly($0) }) as? Record {
                return .success(fast)
            }
            return .success(try decoder.decode(Record.self, from: Data(bytes)))
        } catch let error as DecodingError {
            return .failure(Problem(text: "not a valid record: \(describe(error))"))
        } catch {
            return .failure(Problem(text: "not a valid record: \(error)"))
        }
    }
}

func describe(_ error: DecodingError) -> String {
    switch error {
    case .keyNotFound(let key, _): "missing \(key.stringValue)"
    case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
        (c.codingPath.map(\.stringValue).joined(separator: ".") + " " + c.debugDescription).trimmingCharacters(in: .whitespaces)
    @unknown default: "\(error)"
    }
}
