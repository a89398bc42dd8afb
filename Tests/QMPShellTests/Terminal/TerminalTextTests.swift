import Testing

@testable import QMPShell

struct TerminalTextTests {
  @Test(arguments: ["plain text", "", "tabs\tand\nnewlines", "é ü 日本 🙂", "\u{2028}"])
  func harmlessTextIsReturnedUnchanged(_ text: String) {
    #expect(!TerminalText.needsSanitizing(text))
    #expect(TerminalText.sanitized(text) == text)
  }

  @Test func escapeSequencesAreShownNotExecuted() {
    #expect(TerminalText.sanitized("a\u{1b}[2Jb") == "a\\x1b[2Jb")
    #expect(TerminalText.sanitized("\u{1b}]0;title\u{07}") == "\\x1b]0;title\\x07")
  }

  @Test func otherC0ControlsAndDeleteAreEscaped() {
    #expect(TerminalText.sanitized("\u{00}\u{01}\u{08}\u{7f}") == "\\x00\\x01\\x08\\x7f")
  }

  @Test func carriageReturnIsDroppedOnlyBeforeANewline() {
    #expect(TerminalText.sanitized("one\r\ntwo\r\n") == "one\ntwo\n")
    #expect(TerminalText.sanitized("over\rwrite") == "over\\x0dwrite")
    #expect(TerminalText.sanitized("end\r") == "end\\x0d")
  }

  @Test func c1ControlsAreEscapedAsCodePoints() {
    #expect(TerminalText.sanitized("x\u{9b}2Jy\u{80}\u{9f}") == "x\\u009b2Jy\\u0080\\u009f")
    #expect(TerminalText.sanitized("\u{a0}") == "\u{a0}")  // just above C1: kept
  }

  @Test func bidirectionalOverridesAreEscaped() {
    #expect(TerminalText.sanitized("a\u{202e}b\u{2066}c") == "a\\u202eb\\u2066c")
    #expect(TerminalText.sanitized("\u{2029}\u{2065}\u{206a}") == "\u{2029}\u{2065}\u{206a}")
  }

  @Test func textAroundEscapesIsKeptIntact() {
    #expect(TerminalText.sanitized("日本\u{1b}🙂\n") == "日本\\x1b🙂\n")
  }
}
