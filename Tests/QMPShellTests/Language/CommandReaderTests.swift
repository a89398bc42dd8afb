import QMPCodec
import Testing

@testable import QMPShell

/// The reader's own interface: prompts, meta-commands, reset, and regressions from fuzzing.
@Suite struct CommandReaderTests {
  @Test func promptsFollowTheState() throws {
    var reader = CommandReader()
    #expect(reader.prompt == .command)
    #expect(try reader.read("transaction(", number: 1) == .needsMore(.transaction))
    #expect(reader.prompt == .transaction)
    #expect(try reader.read("", number: 2) == .needsMore(.transaction))
    #expect(try reader.read("# note", number: 3) == .needsMore(.transaction))
    #expect(try reader.read("abort", number: 4) == .needsMore(.transaction))
    guard case .command = try reader.read(")", number: 5) else {
      Issue.record("no transaction command")
      return
    }
    #expect(reader.prompt == .command)
    #expect(try reader.read(#"{"execute":"#, number: 6) == .needsMore(.continuation))
    #expect(reader.prompt == .continuation)
    #expect(try reader.read(#""stop"}"#, number: 7) == .command(QMPCommand("stop")))
    #expect(reader.prompt == .command)
  }

  @Test func promptTexts() {
    #expect(Prompt.command.text == "(QEMU) ")
    #expect(Prompt.transaction.text == "TRANS> ")
    #expect(Prompt.continuation.text == "... ")
  }

  @Test func metaCommands() throws {
    var reader = CommandReader()
    #expect(try reader.read(".help", number: 1) == .meta(.help(topic: nil)))
    #expect(try reader.read("  .help device_add ", number: 2) == .meta(.help(topic: "device_add")))
    #expect(try reader.read(".quit", number: 3) == .meta(.quit))
    #expect(try reader.read(".exit", number: 4) == .meta(.quit))
    #expect(try reader.read("quit", number: 5) == .command(QMPCommand("quit")))
  }

  @Test func metaCommandsWorkInsideATransaction() throws {
    var reader = CommandReader()
    _ = try reader.read("transaction(", number: 1)
    #expect(try reader.read(".help abort", number: 2) == .meta(.help(topic: "abort")))
    #expect(reader.prompt == .transaction)
  }

  @Test func resetDropsAHalfReadCommand() throws {
    var reader = CommandReader()
    _ = try reader.read("transaction(", number: 1)
    reader.reset()
    #expect(reader.prompt == .command)
    try reader.finish()
    _ = try reader.read("{", number: 2)
    reader.reset()
    #expect(try reader.read("stop", number: 3) == .command(QMPCommand("stop")))
    try reader.finish()
  }

  @Test func anErrorInsideATransactionKeepsItOpen() throws {
    var reader = CommandReader()
    _ = try reader.read("transaction(", number: 1)
    #expect(throws: CommandSyntaxError.self) { try reader.read("abort x", number: 2) }
    #expect(reader.prompt == .transaction)
    #expect(try reader.read("abort", number: 3) == .needsMore(.transaction))
    #expect(
      try reader.read(")", number: 4)
        == .command(
          QMPCommand("transaction", arguments: ["actions": [["type": "abort", "data": [:]]]])))
  }

  @Test func anErrorInTheOpeningLineDoesNotOpenATransaction() throws {
    var reader = CommandReader()
    #expect(throws: CommandSyntaxError.self) { try reader.read("transaction( bad! )", number: 1) }
    #expect(reader.prompt == .command)
  }

  @Test func anErrorInJSONEndsTheCommand() throws {
    var reader = CommandReader()
    _ = try reader.read("{", number: 1)
    #expect(throws: CommandSyntaxError.self) { try reader.read("]", number: 2) }
    #expect(reader.prompt == .command)
  }

  @Test func finishAfterAnOpenBlockIsReadyAgain() throws {
    var reader = CommandReader()
    _ = try reader.read("transaction( abort", number: 1)
    #expect(throws: CommandSyntaxError.self) { try reader.finish() }
    try reader.finish()
  }

  @Test func dryRunStopsAtQuitAndStillReportsAnOpenBlock() {
    var printed: [String] = []
    let outcome = DryRun().run(lines: ["transaction(", ".quit", "stop"]) { printed.append($0) }
    #expect(
      outcome
        == .failure(
          CommandSyntaxError(
            line: 1, column: 1, message: "transaction( is not closed: input ended before its ')'")))
    #expect(printed.isEmpty)
  }

  @Test func errorDescriptionNamesLineAndColumn() {
    let error = CommandSyntaxError(line: 3, column: 14, message: "key is set twice")
    #expect(error.description == "line 3, column 14: key is set twice")
  }

  /// Found by ShorthandFuzzer: a `\r\n` inside a line handed to the reader was counted as a
  /// line break, so the error named a line after the input's last.
  @Test func newlinesInsideALineDoNotMoveTheErrorLine() {
    var reader = CommandReader()
    #expect(throws: CommandSyntaxError(line: 7, column: 9, message: "expected KEY=VALUE, found q"))
    {
      try reader.read("c a=1\r\nb q", number: 7)
    }
  }

  /// Raw JSON over several lines: the error names the line of the offending byte.
  @Test func jsonErrorsNameTheirLine() throws {
    var reader = CommandReader()
    _ = try reader.read("{\"execute\":", number: 10)
    _ = try reader.read("  \"x\",", number: 11)
    #expect(
      throws: CommandSyntaxError(
        line: 12, column: 3, message: "invalid JSON: unexpected '1' (0x31), expected a string key")
    ) {
      try reader.read("  1,}", number: 12)
    }
  }
}
