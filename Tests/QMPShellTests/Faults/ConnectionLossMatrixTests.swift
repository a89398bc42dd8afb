import QMPCodec
import QMPTestSupport
import Testing

/// The peer hangs up at every byte offset of the greeting and of a reply: the shell must end
/// with the documented status and one line naming what happened, never hang, crash or say 0
/// for lost work.
@Suite struct ConnectionLossMatrixTests {
  /// Runs at a time; each is a short-lived process, so more than the cores is fine.
  static let width = 4

  /// The reply the server cuts short; `at` (the cut offset) is in the command, so one server
  /// serves every offset.
  static func reply(id: JSONValue?) -> [UInt8] {
    var reply: JSONObject = ["return": ["status": "running"]]
    if let id { reply["id"] = id }
    return FaultServer.wire(.object(reply))
  }

  @Test func aGreetingCutAtEveryOffsetExitsThreeNamingTheGreeting() async throws {
    let greeting = FaultServer.greetingBytes
    // Where the JSON value ends: from there on the greeting is whole, and the cut lands in
    // the negotiation instead.
    let jsonEnd = greeting.count - 2
    let clock = ContinuousClock()
    let start = clock.now
    try await forEachConcurrently(Array(0...greeting.count), width: Self.width) { offset in
      let script = FakeQMPServer.Script(
        greeting: .bytes(Array(greeting[0..<offset])), onConnect: [.disconnect])
      try await withFakeQMPServer(script) { server in
        let run = try await FaultShell.run(
          [server.address.description, "-c", "query-status"], limit: .seconds(20))
        let prefix = "qmp-shell: cannot set up a session with \(server.address): "
        let expected: String
        switch offset {
        case 0:
          expected = prefix + "connection closed by peer before the greeting was complete\n"
        case 1..<jsonEnd:
          expected =
            prefix
            + "connection closed in the middle of a message (malformed JSON message at stream byte 0: "
            + "unexpected end of input at byte \(offset) of the message) before the greeting was complete\n"
        default:
          expected = prefix + "connection closed by peer during capabilities negotiation\n"
        }
        #expect(run.status == 3, "greeting cut at \(offset): \(run.stderr)")
        #expect(run.stderr == expected, "greeting cut at \(offset)")
        #expect(run.stdout.isEmpty, "greeting cut at \(offset)")
      }
    }
    print("greeting matrix: \(greeting.count + 1) runs in \(clock.now - start)")
  }

  @Test func aReplyCutAtEveryOffsetExitsFourUnlessItWasWhole() async throws {
    let script = FaultServer.answering("cut") { command in
      let at = Int(command.arguments?["at"]?.int64Value ?? 0)
      return [.bytes(Array(Self.reply(id: command.id)[0..<at])), .disconnect]
    }
    let full = Self.reply(id: FaultServer.shellID(line: 1))
    let jsonEnd = full.count - 2
    let printed = String(decoding: Self.reply(id: nil).dropLast(2), as: UTF8.self) + "\n"
    let clock = ContinuousClock()
    let start = clock.now
    try await withFakeQMPServer(script) { server in
      try await forEachConcurrently(Array(0...full.count), width: Self.width) { offset in
        let run = try await FaultShell.run(
          [server.address.description, "-c", "cut at=\(offset)"], limit: .seconds(20))
        let prefix = "qmp-shell: line 1: connection lost before cut was answered: "
        switch offset {
        case 0:
          #expect(run.status == 4, "reply cut at \(offset)")
          #expect(
            run.stderr == prefix + "connection closed by peer unexpectedly (end of file)\n",
            "reply cut at \(offset)")
          #expect(run.stdout.isEmpty)
        case 1..<jsonEnd:
          // The stream offset is where the reply began: after the greeting (no CRLF is
          // counted before it) and the negotiation's reply.
          #expect(run.status == 4, "reply cut at \(offset)")
          #expect(
            run.stderr.hasPrefix(
              prefix
                + "decode error: connection closed in the middle of a message (malformed JSON message at stream byte "
            ), "reply cut at \(offset): \(run.stderr)")
          #expect(
            run.stderr.hasSuffix(": unexpected end of input at byte \(offset) of the message)\n"),
            "reply cut at \(offset): \(run.stderr)")
          #expect(run.stderrLines.count == 1)
          #expect(run.stdout.isEmpty, "reply cut at \(offset)")
        default:
          // The whole reply arrived: it is printed, the work is done, EOF after it is no
          // failure (man page, EXIT STATUS: 4 only "before the work was done").
          #expect(run.status == 0, "reply cut at \(offset): \(run.stderr)")
          #expect(run.stdout == printed, "reply cut at \(offset)")
          #expect(run.stderr.isEmpty, "reply cut at \(offset)")
        }
      }
    }
    print("reply matrix: \(full.count + 1) runs in \(clock.now - start)")
  }
}
