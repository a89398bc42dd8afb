import Testing

@testable import QMPShell

@Suite struct CompletionContextTests {
  let schema = SchemaTypingTests.schema

  private func complete(_ text: String, prompt: Prompt = .command) -> [String] {
    schema.completions(for: CompletionContext(before: text, prompt: prompt))
  }

  @Test func contextOfTheWordBeforeTheCursor() {
    #expect(CompletionContext(before: "dev", prompt: .command) == .commandName(prefix: "dev"))
    #expect(CompletionContext(before: "  .h", prompt: .command) == .metaCommand(prefix: ".h"))
    #expect(
      CompletionContext(before: "set_link name=x u", prompt: .command)
        == .argumentName(.command("set_link"), prefix: "u", present: ["name"]))
    #expect(
      CompletionContext(before: "set_link up=t", prompt: .command)
        == .argumentValue(.command("set_link"), key: "up", prefix: "t"))
    #expect(CompletionContext(before: "abo", prompt: .transaction) == .actionType(prefix: "abo"))
    #expect(
      CompletionContext(before: "transaction( abo", prompt: .command) == .actionType(prefix: "abo"))
    #expect(
      CompletionContext(before: "abort x", prompt: .transaction)
        == .argumentName(.transactionAction("abort"), prefix: "x", present: []))
  }

  @Test func nothingInsideQuotesLiteralsJSONOrHMP() {
    #expect(CompletionContext(before: #"set_link name="a b"#, prompt: .command) == .nothing)
    #expect(CompletionContext(before: "set_link name='x", prompt: .command) == .nothing)
    #expect(CompletionContext(before: "c o={'a", prompt: .command) == .nothing)
    #expect(CompletionContext(before: #""exec"#, prompt: .continuation) == .nothing)
    #expect(CompletionContext(before: "{", prompt: .command) == .nothing)
    #expect(CompletionContext(before: "transaction(ab", prompt: .command) == .nothing)
    #expect(CompletionContext(before: "info ", prompt: .command, mode: .hmp) == .nothing)
    #expect(
      CompletionContext(before: ".q", prompt: .command, mode: .hmp) == .metaCommand(prefix: ".q"))
  }

  @Test func commandNames() {
    #expect(complete("dev") == ["device_add"])
    #expect(complete("transac") == ["transaction", "transaction("])
    #expect(complete("").count == schema.commandNames.count + 1)
    #expect(complete(".h") == [".help"])
    #expect(complete(".") == [".exit", ".help", ".quit"])
  }

  @Test func argumentNamesSkipThoseAlreadyGiven() {
    #expect(complete("set_link ") == ["name=", "up="])
    #expect(complete("set_link name=x ") == ["up="])
    #expect(complete("blockdev-add file.fil") == ["file.file=", "file.filename="])
    #expect(complete("blockdev-add cache.") == ["cache.direct=", "cache.no-flush="])
    #expect(complete("frobnicate ") == [])
  }

  @Test func valuesOfEnumsAndBooleans() {
    #expect(complete("set_link up=t") == ["true"])
    #expect(complete("screendump filename=x format=") == ["ppm", "png"])
    #expect(complete("screendump filename=") == [])
    #expect(complete("blockdev-add driver=qc") == ["qcow", "qcow2"])
  }

  @Test func transactionActions() {
    #expect(
      schema.transactionActionTypes == [
        "abort", "block-dirty-bitmap-add", "blockdev-snapshot-sync",
      ])
    #expect(
      complete("blo", prompt: .transaction) == ["block-dirty-bitmap-add", "blockdev-snapshot-sync"])
    #expect(complete("block-dirty-bitmap-add n", prompt: .transaction) == ["name=", "node="])
    #expect(complete("transaction( block-dirty-bitmap-add persistent=") == ["true", "false"])
  }
}
