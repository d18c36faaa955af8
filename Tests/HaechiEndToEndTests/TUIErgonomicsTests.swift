import Foundation
import HaechiCore
import HaechiStore
import HaechiTestSupport
import Testing

/// Issue 13 with the real binary in tmux: readline editing in a Korean note, a bracketed paste
/// of two lines into compose, `:` jumping to a step, an Esc followed by a key staying two keys,
/// a read-only seat that refuses `d` while showing another seat's change, and a bad config file
/// refused at its line and column.
@Suite(.serialized, .ownThread, .enabled(if: Tmux.available, "tmux is needed for end-to-end tests"))
struct TUIErgonomicsTests {
    typealias Setup = TUIEndToEndTests.Setup

    /// Opens a drill of the test manual in 마포구 on session `name`.
    static func openDrill(_ t: Tmux, _ name: String) throws {
        try t.waitFor(name, "지진")
        try t.keys(name, "Enter")
        try t.waitFor(name, "새 사건 시작")
        try t.keys(name, "Down", "Down")
        try t.type(name, "마포구")
        try t.keys(name, "C-o")
        try t.waitFor(name, "1.1 상황 접수 및 전파")
    }

    @Test func aTypoInTheMiddleOfAKoreanNoteIsFixedInPlace() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("a", width: 100, height: 30, s.haechi("kim"))
        try Self.openDrill(t, "a")
        try t.keys("a", "n")
        try t.waitFor("a", "메모:")
        try t.type("a", "마포대교 남단 균얼, 통제 요청")
        try t.waitFor("a", "균얼, 통제 요청")
        // Alt-B three times (to 균얼), → → past the typo, Backspace, the right syllable.
        try t.keys("a", "M-b", "M-b", "M-b", "Right", "Right", "BSpace")
        try t.waitFor("a", "마포대교 남단 균, 통제 요청")
        try t.type("a", "열")
        try t.waitFor("a", "마포대교 남단 균열, 통제 요청")
        try t.keys("a", "Enter")
        try t.waitFor("a", "kim: 마포대교 남단 균열, 통제 요청")
        let notes = try s.journal().compactMap(\.stepNote)
        #expect(notes.map(\.text) == ["마포대교 남단 균열, 통제 요청"])
        try t.keys("a", "C-c")
        #expect(try t.waitForExit("a") == 0)
    }

    @Test func twoPastedLinesLandInComposeAsTwoLines() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("a", width: 100, height: 30, s.haechi("kim"))
        try Self.openDrill(t, "a")
        try t.keys("a", "M")
        try t.waitFor("a", "메시지 작성")
        // tmux pastes with the bracketed-paste markers because the TUI asked for them (2004h);
        // a plain paste of "q" or "d" would otherwise run commands.
        try t.tmux("set-buffer", "-b", "two", "[서울시] 잠수교 통제 중\nq 우회도로를 이용하세요")
        try t.tmux("paste-buffer", "-p", "-b", "two", "-t", "a")
        let screen = try t.waitFor("a", "[서울시] 잠수교 통제 중", "q 우회도로를 이용하세요")
        let lines = screen.split(separator: "\n")
        let first = try #require(lines.firstIndex { $0.contains("[서울시] 잠수교 통제 중") })
        // The second line is in the Korean text, not typed into the next field by an Enter.
        #expect(lines[first + 1].contains("q 우회도로를 이용하세요") && !lines[first + 1].contains("영어"), "\(screen)")
        #expect(screen.contains("메시지 작성"))   // the q did not leave compose
        try t.keys("a", "C-c")
        #expect(try t.waitForExit("a") == 0)
    }

    @Test func colonJumpsToAStepAndEscThenAKeyIsTwoKeys() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("a", width: 100, height: 30, s.haechi("kim"))
        try Self.openDrill(t, "a")
        try t.keys("a", ":")
        try t.waitFor("a", "명령 팔레트")
        try t.type("a", "scene")
        try t.waitFor("a", "현장 피해 확인")
        try t.keys("a", "Enter")
        try t.waitFor("a", ">[ ] 1.3", "1.3 현장 피해 확인")
        // Esc (back to Home), then r a moment later, as a person types: Review, not Alt-R.
        try t.keys("a", "Escape")
        Thread.sleep(forTimeInterval: 0.15)
        try t.keys("a", "r")
        try t.waitFor("a", "검토 · 지진")
        try t.keys("a", "C-c")
        #expect(try t.waitForExit("a") == 0)
    }

    @Test func aReadOnlySeatRefusesDoneButShowsTheOtherSeat() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("kim", width: 100, height: 30, s.haechi("kim"))
        try Self.openDrill(t, "kim")
        try t.start("wall", width: 100, height: 30, s.haechi("wall") + ["--read-only"])
        try t.waitFor("wall", "읽기 전용", "DRILL 지진 · 마포구")
        try t.keys("wall", "Tab", "Enter")
        try t.waitFor("wall", "[ ] 1.1", "읽기 전용")
        try t.keys("wall", "d")
        try t.waitFor("wall", "읽기 전용 좌석: ‘완료로 표시’ 할 수 없습니다")
        #expect(try s.journal().map(\.kind) == ["opened"])
        try t.keys("kim", "d")
        try t.waitFor("wall", "[x] 1.1", "kim: ‘상황 접수 및 전파’ → 완료", timeout: 120)
        #expect(try s.journal().allSatisfy { $0.operator == "kim" })
        try t.keys("kim", "C-c")
        try t.keys("wall", "C-c")
        #expect(try t.waitForExit("kim") == 0)
        #expect(try t.waitForExit("wall") == 0)
    }

    @Test func aRoleHandedOverIsSeenOnTheOtherSeat() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        try t.start("kim", width: 100, height: 30, s.haechi("kim"))
        try Self.openDrill(t, "kim")
        try t.keys("kim", "a")
        try t.waitFor("kim", "‘상황관리반’ 담당자:")
        try t.type("kim", "kim")
        try t.keys("kim", "Enter")
        try t.waitFor("kim", "@kim", "담당자 kim")

        try t.start("lee", width: 100, height: 30, s.haechi("lee"))
        try t.waitFor("lee", "DRILL 지진 · 마포구")
        try t.keys("lee", "Tab", "Enter")
        try t.waitFor("lee", "@kim")
        // lee takes the role over; kim's seat shows the handover within a second or two.
        try t.keys("lee", "a")
        try t.waitFor("lee", "(현재 kim):")
        try t.type("lee", "lee")
        try t.keys("lee", "Enter")
        try t.waitFor("kim", "@lee", "lee: ‘상황관리반’ 담당 → lee", "kim에게서 인계", timeout: 120)
        // "My steps" on lee's seat: every step of the role; on kim's: none.
        try t.keys("lee", "F")
        try t.waitFor("lee", "내 단계만 표시", "[ ] 1.1")
        try t.keys("kim", "F")
        let kimScreen = try t.waitFor("kim", "내 단계만 표시")
        #expect(!kimScreen.contains("[ ] 1.1"), "\(kimScreen)")
        let roles = try s.journal().filter { $0.roleAssigned != nil }
        #expect(roles.compactMap(\.roleAssigned?.assignee) == ["kim", "lee"])
        #expect(roles.map(\.operator) == ["kim", "lee"])
        try t.keys("kim", "C-c")
        try t.keys("lee", "C-c")
        #expect(try t.waitForExit("kim") == 0)
        #expect(try t.waitForExit("lee") == 0)
    }

    @Test func aBadConfigFileIsRefusedAtItsLineAndColumn() throws {
        let s = try Setup()
        let t = s.tmux
        defer { t.shutdown() }
        let config = t.directory.appendingPathComponent("config.yaml")
        try "operator: kim\ntheme: colorblind\nkeys:\n  mark-done: Banana\n".write(to: config, atomically: true, encoding: .utf8)
        // Checked before the terminal is taken over: the errors reach the shell as they are.
        let (status, screen) = try Tmux.run(s.haechi("kim") + ["--config", config.path])
        #expect(status != 0)
        #expect(screen.contains("config.yaml:2:8: error: theme must be one of"), "\(screen)")
        #expect(screen.contains("did you mean 'colour-blind'?"), "\(screen)")
        #expect(screen.contains("config.yaml:4:14: error: 'Banana' is not a key"), "\(screen)")

        // A good one: the theme and a rebound key take effect.
        try "theme: colour-blind\nkeys:\n  mark-done: D\n".write(to: config, atomically: true, encoding: .utf8)
        try t.start("b", width: 100, height: 30, s.haechi("kim") + ["--config", config.path])
        try Self.openDrill(t, "b")
        try t.keys("b", "D")
        try t.waitFor("b", "[x] 1.1")
        try t.keys("b", "C-c")
        #expect(try t.waitForExit("b") == 0)
    }
}
