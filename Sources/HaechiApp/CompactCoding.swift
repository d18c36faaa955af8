import Foundation

/// A compact binary form of any Codable value, for `ManualCache` only.
///
/// JSONDecoder needed 10–15 ms for the bundled manuals (about 10,000 keyed values), longer than
/// everything else the TUI does before its first frame together. This form keeps what JSON
/// keeps (keyed objects, arrays, strings, numbers, booleans, nulls) but reads without parsing
/// text: every key is an index into one table of key strings, every string carries its byte
/// length and every array and object its byte size, so a keyed container finds its fields by
/// skipping, and a string is one UTF-8 copy. It is a cache format, never an interchange one:
/// anything it cannot read is a cache miss (`CompactCoding.Failure`), and the manuals are
/// parsed from YAML as if there were no cache.
///
///     file   := "HMC1" count(varint) key* value
///     key    := length(varint) utf8
///     value  := 0 null | 1 false | 2 true | 3 zigzag-varint | 4 float64-le
///             | 5 length utf8 | 6 size count value* | 7 size count (keyIndex value)*
enum CompactCoding {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let magic: [UInt8] = Array("HMC1".utf8)

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let root = Box()
        try value.encode(to: CompactEncoder(box: root, codingPath: []))
        var keys: [String: Int] = [:]
        var keyList: [String] = []
        var body: [UInt8] = []
        write(root, into: &body) { key in
            if let i = keys[key] { return i }
            keys[key] = keyList.count
            keyList.append(key)
            return keyList.count - 1
        }
        var out = magic
        varint(UInt64(keyList.count), into: &out)
        for key in keyList {
            let utf8 = Array(key.utf8)
            varint(UInt64(utf8.count), into: &out)
            out += utf8
        }
        return out + body
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        guard bytes.count >= magic.count, Array(bytes[0..<magic.count]) == magic else { throw Failure(description: "not a compact cache") }
        let source = Source(bytes)
        var reader = Reader(bytes: source.bytes, at: magic.count)
        let count = try reader.varint()
        guard count < UInt64(bytes.count) else { throw Failure(description: "bad key table") }
        var keys: [String] = []
        keys.reserveCapacity(Int(count))
        for _ in 0..<count { keys.append(try reader.string()) }
        source.keys = keys
        return try T(from: CompactDecoder(source: source, at: reader.at))
    }

    // MARK: writing

    /// What an encoder's containers fill in; serialized once encoding is over.
    final class Box {
        enum Value { case none, null, bool(Bool), int(Int64), double(Double), string(String), array([Box]), object([(String, Box)]) }
        var value: Value = .none
        init() {}
        init(_ value: Value) { self.value = value }
    }

    static func write(_ box: Box, into out: inout [UInt8], key: (String) -> Int) {
        switch box.value {
        case .none, .null: out.append(0)
        case .bool(let b): out.append(b ? 2 : 1)
        case .int(let i):
            out.append(3)
            varint(UInt64(bitPattern: (i << 1) ^ (i >> 63)), into: &out)
        case .double(let d):
            out.append(4)
            withUnsafeBytes(of: d.bitPattern.littleEndian) { out += $0 }
        case .string(let s):
            out.append(5)
            let utf8 = Array(s.utf8)
            varint(UInt64(utf8.count), into: &out)
            out += utf8
        case .array(let items):
            var inner: [UInt8] = []
            varint(UInt64(items.count), into: &inner)
            for item in items { write(item, into: &inner, key: key) }
            out.append(6)
            varint(UInt64(inner.count), into: &out)
            out += inner
        case .object(let fields):
            var inner: [UInt8] = []
            varint(UInt64(fields.count), into: &inner)
            for (name, item) in fields {
                varint(UInt64(key(name)), into: &inner)
                write(item, into: &inner, key: key)
            }
            out.append(7)
            varint(UInt64(inner.count), into: &out)
            out += inner
        }
    }

    static func varint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 { out.append(UInt8(v & 0x7F) | 0x80); v >>= 7 }
        out.append(UInt8(v))
    }

    // MARK: reading

    /// The bytes being read, copied once to memory of their own so readers hold a plain
    /// pointer (no reference counting per value read).
    final class Source {
        let bytes: UnsafeBufferPointer<UInt8>
        var keys: [String] = []
        init(_ array: [UInt8]) {
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, array.count))
            _ = copy.initialize(from: array)
            bytes = UnsafeBufferPointer(rebasing: UnsafeBufferPointer(copy)[0..<array.count])
        }
        deinit { UnsafeMutableBufferPointer(mutating: bytes).deallocate() }
    }

    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at: Int

        mutating func byte() throws -> UInt8 {
            guard at < bytes.count else { throw Failure(description: "truncated") }
            defer { at += 1 }
            return bytes[at]
        }

        mutating func varint() throws -> UInt64 {
            var value: UInt64 = 0, shift: UInt64 = 0
            while true {
                let b = try byte()
                guard shift < 64 else { throw Failure(description: "bad number") }
                value |= UInt64(b & 0x7F) << shift
                if b < 0x80 { return value }
                shift += 7
            }
        }

        mutating func length() throws -> Int {
            let n = try varint()
            guard n <= UInt64(bytes.count - at) else { throw Failure(description: "length past the end") }
            return Int(n)
        }

        mutating func string() throws -> String {
            let n = try length()
            defer { at += n }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<(at + n)]), as: UTF8.self)
        }

        /// Moves past one value.
        mutating func skip() throws {
            switch try byte() {
            case 0, 1, 2: return
            case 3: _ = try varint()
            case 4:
                guard at + 8 <= bytes.count else { throw Failure(description: "truncated") }
                at += 8
            case 5, 6, 7: at += try length()
            case let t: throw Failure(description: "unknown tag \(t)")
            }
        }
    }
}

// MARK: - Encoder

private struct CompactEncoder: Encoder {
    let box: CompactCoding.Box
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = box.value {} else { box.value = .object([]) }
        return KeyedEncodingContainer(KeyedBox<Key>(box: box, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = box.value {} else { box.value = .array([]) }
        return ListBox(box: box, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleBox(box: box, codingPath: codingPath) }

    /// A value as a box: primitives directly, anything else through its own `encode(to:)`.
    static func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> CompactCoding.Box {
        switch value {
        case let s as String: return CompactCoding.Box(.string(s))
        case let b as Bool: return CompactCoding.Box(.bool(b))
        case let i as Int: return CompactCoding.Box(.int(Int64(i)))
        case let d as Double: return CompactCoding.Box(.double(d))
        default:
            let child = CompactCoding.Box()
            try value.encode(to: CompactEncoder(box: child, codingPath: codingPath))
            return child
        }
    }

    struct KeyedBox<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: CompactCoding.Box
        var codingPath: [any CodingKey]

        func append(_ key: Key, _ child: CompactCoding.Box) {
            guard case .object(var fields) = box.value else { return }
            box.value = .none   // keep the array uniquely referenced while it grows
            fields.append((key.stringValue, child))
            box.value = .object(fields)
        }
        mutating func encodeNil(forKey key: Key) throws { append(key, CompactCoding.Box(.null)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            append(key, try CompactEncoder.box(value, codingPath: codingPath + [key]))
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = CompactCoding.Box(.object([]))
            append(key, child)
            return KeyedEncodingContainer(KeyedBox<NestedKey>(box: child, codingPath: codingPath + [key]))
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = CompactCoding.Box(.array([]))
            append(key, child)
            return ListBox(box: child, codingPath: codingPath + [key])
        }
        mutating func superEncoder() -> any Encoder { superEncoder(forKey: Key(stringValue: "super")!) }
        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let child = CompactCoding.Box()
            append(key, child)
            return CompactEncoder(box: child, codingPath: codingPath + [key])
        }
    }

    struct ListBox: UnkeyedEncodingContainer {
        let box: CompactCoding.Box
        var codingPath: [any CodingKey]
        var count: Int {
            if case .array(let items) = box.value { return items.count }
            return 0
        }

        func append(_ child: CompactCoding.Box) {
            guard case .array(var items) = box.value else { return }
            box.value = .none
            items.append(child)
            box.value = .array(items)
        }
        mutating func encodeNil() throws { append(CompactCoding.Box(.null)) }
        mutating func encode<T: Encodable>(_ value: T) throws { append(try CompactEncoder.box(value, codingPath: codingPath)) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = CompactCoding.Box(.object([]))
            append(child)
            return KeyedEncodingContainer(KeyedBox<NestedKey>(box: child, codingPath: codingPath))
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = CompactCoding.Box(.array([]))
            append(child)
            return ListBox(box: child, codingPath: codingPath)
        }
        mutating func superEncoder() -> any Encoder {
            let child = CompactCoding.Box()
            append(child)
            return CompactEncoder(box: child, codingPath: codingPath)
        }
    }

    struct SingleBox: SingleValueEncodingContainer {
        let box: CompactCoding.Box
        var codingPath: [any CodingKey]
        mutating func encodeNil() throws { box.value = .null }
        mutating func encode(_ value: Bool) throws { box.value = .bool(value) }
        mutating func encode(_ value: String) throws { box.value = .string(value) }
        mutating func encode(_ value: Double) throws { box.value = .double(value) }
        mutating func encode(_ value: Float) throws { box.value = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: Int8) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: Int16) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: Int32) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: Int64) throws { box.value = .int(value) }
        mutating func encode(_ value: UInt) throws { box.value = .int(try Self.signed(value, codingPath)) }
        mutating func encode(_ value: UInt8) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: UInt16) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: UInt32) throws { box.value = .int(Int64(value)) }
        mutating func encode(_ value: UInt64) throws { box.value = .int(try Self.signed(value, codingPath)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let child = try CompactEncoder.box(value, codingPath: codingPath)
            box.value = child.value
        }
        static func signed<U: FixedWidthInteger>(_ value: U, _ path: [any CodingKey]) throws -> Int64 {
            guard let v = Int64(exactly: value) else {
                throw EncodingError.invalidValue(value, .init(codingPath: path, debugDescription: "too large for the cache"))
            }
            return v
        }
    }
}

// MARK: - Decoder

/// Keeps no coding path (building one costs an allocation per nested value, and a failure
/// here only means a cache miss): errors name the offset instead.
private struct CompactDecoder: Decoder {
    let source: CompactCoding.Source
    /// Where this decoder's value starts (its tag).
    let at: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func failure(_ what: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: [], debugDescription: "\(what) at byte \(at)"))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        var r = CompactCoding.Reader(bytes: source.bytes, at: at)
        guard try r.byte() == 7 else { throw failure("expected an object") }
        _ = try r.length()
        let count = try r.varint()
        var fields: [(key: Int, at: Int)] = []
        fields.reserveCapacity(Int(min(count, 64)))
        for _ in 0..<count {
            let k = Int(try r.varint())
            guard k < source.keys.count else { throw failure("bad key") }
            fields.append((k, r.at))
            try r.skip()
        }
        return KeyedDecodingContainer(Keyed<Key>(decoder: self, fields: fields))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        var r = CompactCoding.Reader(bytes: source.bytes, at: at)
        guard try r.byte() == 6 else { throw failure("expected an array") }
        _ = try r.length()
        let count = Int(try r.varint())
        return List(decoder: self, reader: r, count: count)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(decoder: self) }

    func child(at offset: Int, key: (any CodingKey)?) -> CompactDecoder {
        CompactDecoder(source: source, at: offset)
    }

    // Primitive reads at an offset.
    func isNil(at offset: Int) -> Bool { offset < source.bytes.count && source.bytes[offset] == 0 }

    func string(at offset: Int) throws -> String {
        var r = CompactCoding.Reader(bytes: source.bytes, at: offset)
        guard try r.byte() == 5 else { throw failure("expected a string") }
        return try r.string()
    }

    func bool(at offset: Int) throws -> Bool {
        var r = CompactCoding.Reader(bytes: source.bytes, at: offset)
        switch try r.byte() {
        case 1: return false
        case 2: return true
        default: throw failure("expected a boolean")
        }
    }

    func int64(at offset: Int) throws -> Int64 {
        var r = CompactCoding.Reader(bytes: source.bytes, at: offset)
        guard try r.byte() == 3 else { throw failure("expected an integer") }
        let z = try r.varint()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    func double(at offset: Int) throws -> Double {
        var r = CompactCoding.Reader(bytes: source.bytes, at: offset)
        switch try r.byte() {
        case 3:
            return Double(try int64(at: offset))
        case 4:
            guard r.at + 8 <= source.bytes.count else { throw failure("truncated") }
            var bits: UInt64 = 0
            for i in 0..<8 { bits |= UInt64(source.bytes[r.at + i]) << (8 * UInt64(i)) }
            return Double(bitPattern: bits)
        default: throw failure("expected a number")
        }
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type, at offset: Int) throws -> I {
        guard let v = I(exactly: try int64(at: offset)) else { throw failure("number out of range for \(I.self)") }
        return v
    }

    func value<T: Decodable>(_ type: T.Type, at offset: Int, key: (any CodingKey)?) throws -> T {
        if T.self == String.self { return try string(at: offset) as! T }
        if T.self == Int.self { return try integer(Int.self, at: offset) as! T }
        if T.self == Bool.self { return try bool(at: offset) as! T }
        if T.self == Double.self { return try double(at: offset) as! T }
        return try T(from: child(at: offset, key: key))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let decoder: CompactDecoder
        let fields: [(key: Int, at: Int)]
        var codingPath: [any CodingKey] { decoder.codingPath }
        var allKeys: [Key] { fields.compactMap { Key(stringValue: decoder.source.keys[$0.key]) } }

        func offset(_ key: Key) -> Int? {
            let name = key.stringValue
            let keys = decoder.source.keys
            for f in fields where keys[f.key] == name { return f.at }
            return nil
        }
        func need(_ key: Key) throws -> Int {
            guard let at = offset(key) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no '\(key.stringValue)'"))
            }
            return at
        }
        func contains(_ key: Key) -> Bool { offset(key) != nil }
        func decodeNil(forKey key: Key) throws -> Bool { decoder.isNil(at: try need(key)) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try decoder.string(at: try need(key)) }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try decoder.bool(at: try need(key)) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try decoder.integer(Int.self, at: try need(key)) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try decoder.double(at: try need(key)) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder.value(T.self, at: try need(key), key: key) }
        func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
            guard let at = offset(key), !decoder.isNil(at: at) else { return nil }
            return try decoder.string(at: at)
        }
        func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
            guard let at = offset(key), !decoder.isNil(at: at) else { return nil }
            return try decoder.value(T.self, at: at, key: key)
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder.child(at: try need(key), key: key).container(keyedBy: type)
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try decoder.child(at: try need(key), key: key).unkeyedContainer()
        }
        func superDecoder() throws -> any Decoder { try superDecoder(forKey: Key(stringValue: "super")!) }
        func superDecoder(forKey key: Key) throws -> any Decoder { decoder.child(at: try need(key), key: key) }
    }

    struct List: UnkeyedDecodingContainer {
        let decoder: CompactDecoder
        var reader: CompactCoding.Reader
        let total: Int
        var currentIndex = 0
        init(decoder: CompactDecoder, reader: CompactCoding.Reader, count: Int) {
            self.decoder = decoder; self.reader = reader; self.total = count
        }
        var codingPath: [any CodingKey] { decoder.codingPath }
        var count: Int? { total }
        var isAtEnd: Bool { currentIndex >= total }

        mutating func next() throws -> Int {
            guard !isAtEnd else {
                throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "past the end of the array"))
            }
            let at = reader.at
            try reader.skip()
            currentIndex += 1
            return at
        }
        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, decoder.isNil(at: reader.at) else { return false }
            _ = try next()
            return true
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.value(T.self, at: try next(), key: nil) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            try decoder.child(at: try next(), key: nil).container(keyedBy: type)
        }
        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            try decoder.child(at: try next(), key: nil).unkeyedContainer()
        }
        mutating func superDecoder() throws -> any Decoder { decoder.child(at: try next(), key: nil) }
    }

    struct Single: SingleValueDecodingContainer {
        let decoder: CompactDecoder
        var codingPath: [any CodingKey] { decoder.codingPath }
        func decodeNil() -> Bool { decoder.isNil(at: decoder.at) }
        func decode(_ type: Bool.Type) throws -> Bool { try decoder.bool(at: decoder.at) }
        func decode(_ type: String.Type) throws -> String { try decoder.string(at: decoder.at) }
        func decode(_ type: Double.Type) throws -> Double { try decoder.double(at: decoder.at) }
        func decode(_ type: Float.Type) throws -> Float { Float(try decoder.double(at: decoder.at)) }
        func decode(_ type: Int.Type) throws -> Int { try decoder.integer(Int.self, at: decoder.at) }
        func decode(_ type: Int8.Type) throws -> Int8 { try decoder.integer(Int8.self, at: decoder.at) }
        func decode(_ type: Int16.Type) throws -> Int16 { try decoder.integer(Int16.self, at: decoder.at) }
        func decode(_ type: Int32.Type) throws -> Int32 { try decoder.integer(Int32.self, at: decoder.at) }
        func decode(_ type: Int64.Type) throws -> Int64 { try decoder.int64(at: decoder.at) }
        func decode(_ type: UInt.Type) throws -> UInt { try decoder.integer(UInt.self, at: decoder.at) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try decoder.integer(UInt8.self, at: decoder.at) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try decoder.integer(UInt16.self, at: decoder.at) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try decoder.integer(UInt32.self, at: decoder.at) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try decoder.integer(UInt64.self, at: decoder.at) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T { try decoder.value(T.self, at: decoder.at, key: nil) }
    }
}
