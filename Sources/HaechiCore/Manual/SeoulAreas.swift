import Foundation

/// Seoul's 25 autonomous districts (자치구) with the 행정기관코드 prefix the ministry's systems use
/// and the KMA forecast zone each belongs to. The one place that knows Seoul's map; templates'
/// target areas, district variables and forecast zones all ask it (see manuals/SOURCES.md).
public struct SeoulDistrict: Sendable, Hashable {
    /// 5-digit 시군구 code: 11 (서울특별시) + 3 digits.
    public var code: String
    public var name: Localized
    public var zone: ForecastZone
}

/// KMA issues weather warnings for Seoul in four zones, not per district.
public enum ForecastZone: String, CaseIterable, Sendable {
    case southeast, northeast, southwest, northwest
    public var name: Localized {
        switch self {
        case .southeast: Localized(ko: "동남권", en: "South-east Seoul")
        case .northeast: Localized(ko: "동북권", en: "North-east Seoul")
        case .southwest: Localized(ko: "서남권", en: "South-west Seoul")
        case .northwest: Localized(ko: "서북권", en: "North-west Seoul")
        }
    }
}

public enum SeoulAreas {
    /// 서울특별시 as a whole: the 2-digit 시도 code.
    public static let cityCode = "11"

    public static let districts: [SeoulDistrict] = [
        .init(code: "11110", name: .init(ko: "종로구", en: "Jongno-gu"), zone: .northwest),
        .init(code: "11140", name: .init(ko: "중구", en: "Jung-gu"), zone: .northwest),
        .init(code: "11170", name: .init(ko: "용산구", en: "Yongsan-gu"), zone: .northwest),
        .init(code: "11200", name: .init(ko: "성동구", en: "Seongdong-gu"), zone: .northeast),
        .init(code: "11215", name: .init(ko: "광진구", en: "Gwangjin-gu"), zone: .northeast),
        .init(code: "11230", name: .init(ko: "동대문구", en: "Dongdaemun-gu"), zone: .northeast),
        .init(code: "11260", name: .init(ko: "중랑구", en: "Jungnang-gu"), zone: .northeast),
        .init(code: "11290", name: .init(ko: "성북구", en: "Seongbuk-gu"), zone: .northeast),
        .init(code: "11305", name: .init(ko: "강북구", en: "Gangbuk-gu"), zone: .northeast),
        .init(code: "11320", name: .init(ko: "도봉구", en: "Dobong-gu"), zone: .northeast),
        .init(code: "11350", name: .init(ko: "노원구", en: "Nowon-gu"), zone: .northeast),
        .init(code: "11380", name: .init(ko: "은평구", en: "Eunpyeong-gu"), zone: .northwest),
        .init(code: "11410", name: .init(ko: "서대문구", en: "Seodaemun-gu"), zone: .northwest),
        .init(code: "11440", name: .init(ko: "마포구", en: "Mapo-gu"), zone: .northwest),
        .init(code: "11470", name: .init(ko: "양천구", en: "Yangcheon-gu"), zone: .southwest),
        .init(code: "11500", name: .init(ko: "강서구", en: "Gangseo-gu"), zone: .southwest),
        .init(code: "11530", name: .init(ko: "구로구", en: "Guro-gu"), zone: .southwest),
        .init(code: "11545", name: .init(ko: "금천구", en: "Geumcheon-gu"), zone: .southwest),
        .init(code: "11560", name: .init(ko: "영등포구", en: "Yeongdeungpo-gu"), zone: .southwest),
        .init(code: "11590", name: .init(ko: "동작구", en: "Dongjak-gu"), zone: .southwest),
        .init(code: "11620", name: .init(ko: "관악구", en: "Gwanak-gu"), zone: .southwest),
        .init(code: "11650", name: .init(ko: "서초구", en: "Seocho-gu"), zone: .southeast),
        .init(code: "11680", name: .init(ko: "강남구", en: "Gangnam-gu"), zone: .southeast),
        .init(code: "11710", name: .init(ko: "송파구", en: "Songpa-gu"), zone: .southeast),
        .init(code: "11740", name: .init(ko: "강동구", en: "Gangdong-gu"), zone: .southeast),
    ]

    /// The districts' names in both languages (the district variable's values and completion).
    public static let names: [Localized] = districts.map(\.name)

    public static func district(code: String) -> SeoulDistrict? { districts.first { $0.code == code } }
    public static func district(named name: String) -> SeoulDistrict? {
        districts.first { $0.name.ko == name || $0.name.en.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// What a target-area code means, or why it is not one: "11" is all of Seoul, a 5-digit code
    /// one 자치구, a 10-digit 행정기관코드 one 행정동 (district code + 3-digit 동 + "00").
    public enum Area: Sendable, Hashable {
        case city
        case district(SeoulDistrict)
        case neighbourhood(code: String, district: SeoulDistrict)
        public var district: SeoulDistrict? {
            switch self {
            case .city: nil
            case .district(let d), .neighbourhood(_, let d): d
            }
        }
    }

    public static func area(code: String) -> Result<Area, AreaCodeError> {
        guard !code.isEmpty, code.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else { return .failure(.notDigits) }
        switch code.count {
        case 2:
            return code == cityCode ? .success(.city) : .failure(.outsideSeoul)
        case 5:
            guard code.hasPrefix(cityCode) else { return .failure(.outsideSeoul) }
            return district(code: code).map { .success(.district($0)) } ?? .failure(.unknownDistrict)
        case 10:
            guard code.hasPrefix(cityCode) else { return .failure(.outsideSeoul) }
            guard let d = district(code: String(code.prefix(5))) else { return .failure(.unknownDistrict) }
            guard code.hasSuffix("00"), code.dropFirst(5).prefix(3) != "000" else { return .failure(.notNeighbourhood) }
            return .success(.neighbourhood(code: code, district: d))
        default:
            return .failure(.wrongLength)
        }
    }

    public enum AreaCodeError: Error, Sendable, Hashable, CustomStringConvertible {
        case notDigits, wrongLength, outsideSeoul, unknownDistrict, notNeighbourhood
        public var description: String {
            switch self {
            case .notDigits: "an area code is digits only"
            case .wrongLength: "an area code is 2 digits (11, all of Seoul), 5 (a 자치구, e.g. 11560) or 10 (a 행정동: the 자치구 code, a 3-digit 동 number, 00)"
            case .outsideSeoul: "an area code for Seoul starts with 11"
            case .unknownDistrict: "no Seoul 자치구 has this code (11110 종로구 … 11740 강동구)"
            case .notNeighbourhood: "a 10-digit 행정동 code is the district code, a 3-digit 동 number (not 000) and 00"
            }
        }
    }
}

/// How a target-area code reads to an officer.
public enum MessageArea {
    public static func name(code: String) -> Localized {
        switch SeoulAreas.area(code: code) {
        case .success(.city): Localized(ko: "서울 전역", en: "all of Seoul")
        case .success(.district(let d)): d.name
        case .success(.neighbourhood(let code, let d)): Localized(ko: "\(d.name.ko) 행정동 \(code)", en: "\(d.name.en) dong \(code)")
        case .failure: Localized(ko: code, en: code)
        }
    }
}
