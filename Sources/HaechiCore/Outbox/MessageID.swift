import Foundation

/// Message ids: `m-<yyyyMMddHHmmss UTC>-<8 hex digits>`. They sort by creation time (to the
/// second), and 32 random bits make two processes queueing in the same second collide with
/// odds of one in four billion. The random part comes in as a value so ids are reproducible
/// in tests.
public enum MessageID {
    public static func make(at date: Date, random: UInt32) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ n: Int?) -> String { let v = n ?? 0; return v < 10 ? "0\(v)" : "\(v)" }
        let hex = String(random, radix: 16)
        let stamp = "\(c.year ?? 0)\(two(c.month))\(two(c.day))\(two(c.hour))\(two(c.minute))\(two(c.second))"
        return "m-\(stamp)-\(String(repeating: "0", count: 8 - hex.count))\(hex)"
    }

    public static func make(at date: Date) -> String {
        var rng = SystemRandomNumberGenerator()
        return make(at: date, random: UInt32.random(in: .min ... .max, using: &rng))
    }
}
