import Foundation

/// The report as JSON, for dashboards and archives. Same coding rules as every Haechi file
/// (sorted keys, ISO 8601 UTC times), pretty-printed because people diff these.
public enum ReportJSON {
    public static func render(_ report: IncidentReport) throws -> String {
        let encoder = RecordCoding.encoder()
        encoder.outputFormatting.insert(.prettyPrinted)
        return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
    }

    public static func decode(_ text: String) throws -> IncidentReport {
        try RecordCoding.decoder().decode(IncidentReport.self, from: Data(text.utf8))
    }
}
