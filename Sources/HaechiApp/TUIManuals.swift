import Foundation
import HaechiCore

/// Where the TUI gets its manuals. One function, so the YAML loader (`ManualLibrary.load`) plugs
/// in here and nowhere else.
enum TUIManuals {
    struct Loaded {
        var manuals: [Manual]
        var problems: [String]
    }

    /// Until the YAML loader lands this reads `*.json` files holding one `Manual` each (the
    /// model's own Codable form), which is what the tests write.
    static func load(directory: String) -> Loaded {
        var manuals: [Manual] = []
        var problems: [String] = []
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: directory) else {
            return Loaded(manuals: [], problems: ["\(directory): cannot read the manuals directory"])
        }
        let decoder = JSONDecoder()
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = (directory as NSString).appendingPathComponent(name)
            do {
                var manual = try decoder.decode(Manual.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
                manual.file = manual.file ?? path
                manuals.append(manual)
            } catch {
                problems.append("\(path): \(error)")
            }
        }
        return Loaded(manuals: manuals, problems: problems)
    }
}
