import Foundation

/// A problem found while loading manuals, channel profiles or scenarios, located like a
/// compiler message: `path:line:col: error: message`.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable { case error, warning }
    public var location: SourceLocation
    public var severity: Severity
    public var message: String
    public init(_ location: SourceLocation, _ severity: Severity = .error, _ message: String) {
        self.location = location; self.severity = severity; self.message = message
    }
    public var description: String { "\(location): \(severity.rawValue): \(message)" }
}

/// Everything in a manuals directory: the manuals, the channel profiles and what was wrong.
public struct ManualLibrary: Sendable {
    public var manuals: [Manual]
    public var channels: ChannelProfiles
    public var diagnostics: [Diagnostic]
    /// contacts.yaml and places.yaml: what steps reference by id.
    public var references: ManualReferences

    public init(manuals: [Manual], channels: ChannelProfiles, diagnostics: [Diagnostic] = [], references: ManualReferences = .empty) {
        self.manuals = manuals; self.channels = channels; self.diagnostics = diagnostics; self.references = references
    }

    public func manual(id: String) -> Manual? { manuals.first { $0.id == id } }
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}
