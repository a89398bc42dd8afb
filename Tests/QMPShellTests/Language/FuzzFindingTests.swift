import Testing

@testable import QMPShell

/// The inputs ShorthandFuzzer found that broke a property, exactly as it minimised them, and
/// the neighbours of each that the fix had to cover too.
@Suite struct FuzzFindingTests {
  /// Minimised input `00 0B`: QMP mode, one line holding a vertical tab. The error quoted the
  /// line, so its text spanned two lines in a CI log.
  @Test func aVerticalTabInACommandNameIsShownAsAnEscape() {
    var reader = CommandReader()
    #expect {
      _ = try reader.read("\u{0B}", number: 1)
    } throws: { error in
      guard let error = error as? CommandSyntaxError else { return false }
      return error.description.contains("\\x0b") && !error.description.contains(where: \.isNewline)
    }
  }

  /// The token in `expected KEY=VALUE, found …` is user text too (the fuzzer's first, longer
  /// input reached this message).
  @Test func everyLineBreakingCharacterInAQuotedTokenIsEscaped() throws {
    for (character, escape) in [
      ("\u{0B}", "\\x0b"), ("\u{0C}", "\\x0c"), ("\r", "\\x0d"), ("\u{85}", "\\x85"),
      ("\u{2028}", "\\u2028"), ("\u{2029}", "\\u2029"), ("\u{1B}", "\\x1b"), ("\u{7F}", "\\x7f"),
    ] {
      var reader = CommandReader()
      let error = try #require(throws: CommandSyntaxError.self) {
        _ = try reader.read("device_add a=1 x\(character)y", number: 4)
      }
      #expect(error.message.contains("x\(escape)y"), "\(escape): \(error.message)")
      let oneLine = !error.description.contains(where: \.isNewline)
      #expect(oneLine, "\(escape)")
      #expect(error.line == 4)
    }
  }

  @Test func plainMessagesAndTabsAreUnchanged() {
    let error = CommandSyntaxError(line: 1, column: 2, message: "found a\tb, é 😀")
    #expect(error.message == "found a\tb, é 😀")
    #expect(CommandSyntaxError.visible("\u{0}") == "\\x00")
  }
}
