import Foundation
import Yams

/// Reads the lists every manual of a directory shares: `contacts.yaml` (partner agencies, their
/// 24-hour numbers and roles) and `places.yaml` (shelters and road or riverside closures).
/// Both are optional; a step that names an id neither file has is a located error.
public enum ManualReferencesLoader {
    public static let contactsFile = "contacts.yaml"
    public static let placesFile = "places.yaml"
    /// Files in a manuals directory that are not manuals.
    public static let fileNames: Set<String> = [ChannelProfileLoader.fileName, contactsFile, placesFile]

    /// Loads whichever of the two files exist in `directory`.
    public static func load(directory: String) -> (ManualReferences, [Diagnostic]) {
        var refs = ManualReferences.empty
        var diagnostics: [Diagnostic] = []
        let contactsPath = directory + "/" + contactsFile
        if FileManager.default.fileExists(atPath: contactsPath) {
            let doc = YAMLDocument(path: contactsPath)
            refs.contacts = readContacts(doc)
            diagnostics += doc.diagnostics
        }
        let placesPath = directory + "/" + placesFile
        if FileManager.default.fileExists(atPath: placesPath) {
            let doc = YAMLDocument(path: placesPath)
            refs.places = readPlaces(doc)
            diagnostics += doc.diagnostics
        }
        return (refs, diagnostics)
    }

    public static func contacts(data: Data, file: String) -> ([DirectoryContact], [Diagnostic]) {
        let doc = YAMLDocument(data: data, file: file)
        return (readContacts(doc), doc.diagnostics)
    }

    public static func places(data: Data, file: String) -> ([Place], [Diagnostic]) {
        let doc = YAMLDocument(data: data, file: file)
        return (readPlaces(doc), doc.diagnostics)
    }

    static func readContacts(_ doc: YAMLDocument) -> [DirectoryContact] {
        guard let root = doc.root,
              let top = doc.mapping(root, what: "the contacts file", keys: ["contacts"], required: ["contacts"]),
              let list = top["contacts"].flatMap({ doc.sequence($0, what: "contacts") }) else { return [] }
        var result: [DirectoryContact] = []
        var seen: [String: SourceLocation] = [:]
        for item in list {
            guard let m = doc.mapping(item, what: "a contact", keys: ["id", "name", "phone", "role", "hours"],
                                      required: ["id", "name", "phone", "role", "hours"]) else { continue }
            let id = m["id"].flatMap { uniqueID($0, doc, &seen, what: "contact id") }
            let name = m["name"].flatMap { doc.localized($0, what: "contact name") }
            let phone = m["phone"].flatMap { doc.phone($0) }
            let role = m["role"].flatMap { doc.localized($0, what: "contact role") }
            let hours = m["hours"].flatMap { doc.word($0, what: "hours", allowed: ["24h", "office"]) }
            if let id, let name, let phone, let role, let hours {
                result.append(DirectoryContact(id: id, name: name, phone: phone, role: role, allHours: hours == "24h"))
            }
        }
        return result
    }

    static func readPlaces(_ doc: YAMLDocument) -> [Place] {
        guard let root = doc.root,
              let top = doc.mapping(root, what: "the places file", keys: Place.Kind.allCases.map(\.listKey)) else { return [] }
        var result: [Place] = []
        var seen: [String: SourceLocation] = [:]
        for kind in Place.Kind.allCases {
            guard let node = top[kind.listKey], let list = doc.sequence(node, what: kind.listKey) else { continue }
            for item in list {
                guard let m = doc.mapping(item, what: "a \(kind.rawValue)", keys: ["id", "name", "district", "note"],
                                          required: ["id", "name", "district"]) else { continue }
                let id = m["id"].flatMap { uniqueID($0, doc, &seen, what: "\(kind.rawValue) id") }
                let name = m["name"].flatMap { doc.localized($0, what: "\(kind.rawValue) name") }
                let district = m["district"].flatMap { node -> String? in
                    guard let code = doc.string(node, what: "district") else { return nil }
                    guard case .success(.district) = SeoulAreas.area(code: code) else {
                        doc.error(node, "district must be a Seoul 자치구 code (5 digits, 11110 종로구 … 11740 강동구), found '\(doc.printable(code))'")
                        return nil
                    }
                    return code
                }
                let note = m["note"].flatMap { doc.localized($0, what: "note") }
                if let id, let name, let district { result.append(Place(id: id, kind: kind, name: name, district: district, note: note)) }
            }
        }
        return result
    }

    static func uniqueID(_ node: Node, _ doc: YAMLDocument, _ seen: inout [String: SourceLocation], what: String) -> String? {
        guard let id = doc.string(node, what: what) else { return nil }
        guard ManualLoader.isIdentifier(id, allowUpper: false) else {
            doc.error(node, "\(what) '\(doc.printable(id))' must be lower-case letters, digits and '-'")
            return nil
        }
        if let first = seen[id] { doc.error(node, "duplicate id '\(id)' (first at \(first))") }
        seen[id] = doc.location(node)
        return id
    }
}

extension YAMLDocument {
    /// A contact's phone number, in a manual's own contacts or the shared contacts file: the one
    /// rule for what a number may hold. A number with anything else is an error at its place
    /// (and still returned, so one bad character does not also report the contact as missing).
    func phone(_ node: Node) -> String? {
        guard let p = string(node, what: "phone") else { return nil }
        if !p.allSatisfy({ $0.isNumber || "-+() ext.".contains($0) }) {
            error(node, "phone '\(printable(p))' may contain only digits, spaces and - + ( ) ext.")
        }
        return p
    }
}
