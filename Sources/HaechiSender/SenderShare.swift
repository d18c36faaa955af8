import Foundation

/// Which posts a sender on a shared database takes first. Every sender reads the whole outbox;
/// if all of them asked for every post in the same order, each post would be claimed by one and
/// asked for again and again by the others (held while in flight, then learned as settled):
/// three senders did more work per post than one and drained no faster. Instead each post has a
/// home among the senders alive now (rendezvous hashing of post key and sender name: when a
/// sender comes or goes, only its own posts move). A sender sends its home posts at once and
/// looks at the others only after `grace`, by when their home sender has usually settled them
/// (`Claim.moved`); if that sender died, it sends them itself. Correctness never depends on
/// this: claims and leases still decide who sends; the share only keeps senders out of each
/// other's way.
struct SenderShare: Sendable {
    let me: String
    /// Names of the senders alive now, this one included.
    var peers: [String] = []

    /// How long a post whose home is another live sender is left to it.
    static let grace: TimeInterval = 2

    func isHome(_ key: String) -> Bool {
        guard peers.count > 1, peers.contains(me) else { return true }
        var best = me
        var bestWeight = Self.weight(me, key)
        for peer in peers where peer != me {
            let w = Self.weight(peer, key)
            if w > bestWeight || (w == bestWeight && peer > best) { best = peer; bestWeight = w }
        }
        return best == me
    }

    /// The same number in every process (Swift's `hashValue` is seeded per process): FNV-1a
    /// over the name, a separator and the key, then SplitMix64's finaliser to spread the bits.
    static func weight(_ peer: String, _ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in peer.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h = (h ^ 0) &* 0x0000_0100_0000_01b3
        for byte in key.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        h = (h ^ (h >> 30)) &* 0xbf58_476d_1ce4_e5b9
        h = (h ^ (h >> 27)) &* 0x94d0_49bb_1331_11eb
        return h ^ (h >> 31)
    }
}
