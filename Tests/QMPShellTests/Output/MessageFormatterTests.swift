import QMPCodec
import QMPShell
import Testing

@Suite struct MessageFormatterTests {
  func text(_ input: String, escaping: Bool) -> String {
    var out: [UInt8] = []
    MessageFormatter(options: OutputOptions(escapeControlCharacters: escaping))
      .appendText(input, to: &out)
    return String(decoding: out, as: UTF8.self)
  }

  @Test func hmpLineEndsBecomeNewlinesAndTextEndsInOne() {
    #expect(text("VM status: running\r\n", escaping: false) == "VM status: running\n")
    #expect(text("a\r\nb", escaping: false) == "a\nb\n")
    #expect(text("", escaping: false).isEmpty)
  }

  @Test func onATerminalEscapeSequencesAreShownNotSent() {
    let hostile = "name\u{1B}]0;owned\u{07}\r\n"
    #expect(text(hostile, escaping: true) == "name\\x1b]0;owned\\x07\n")
    // Without a terminal the bytes pass through for scripts (only line ends change).
    #expect(text(hostile, escaping: false) == "name\u{1B}]0;owned\u{07}\n")
  }
}
