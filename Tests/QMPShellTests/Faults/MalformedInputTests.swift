import QMPCodec
import QMPTestSupport
import Testing

/// Garbage from the server, in the greeting and in place of a reply: one clear line, the
/// documented status (3 for the greeting; a warning and then whatever happens to the command).
@Suite struct MalformedInputTests {
  /// A kind of garbage, with how the shell describes it. `reason(streamOffset)` is the text
  /// after "invalid QMP greeting: " (greeting) or "warning: " (reply).
  struct Garbage: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var greetingReason: String
    var warning: @Sendable (_ streamOffset: Int) -> String

    var testDescription: String { name }
  }

  static let kinds: [Garbage] = [
    Garbage(
      name: "array", bytes: Array("[1]\r\n".utf8),
      greetingReason: "greeting must be an object, got an array in [1]",
      warning: { _ in "unexpected message (a QMP message must be an object, got an array): [1]" }),
    Garbage(
      name: "string", bytes: Array("\"x\"\r\n".utf8),
      greetingReason: #"greeting must be an object, got a string in "x""#,
      warning: { _ in #"unexpected message (a QMP message must be an object, got a string): "x""# }
    ),
    Garbage(
      name: "number", bytes: Array("3\r\n".utf8),
      greetingReason: "greeting must be an object, got an integer in 3",
      warning: { _ in "unexpected message (a QMP message must be an object, got an integer): 3" }),
    Garbage(
      name: "malformed JSON", bytes: Array(#"{"return":}"#.utf8) + [13, 10],
      greetingReason:
        "not JSON: malformed JSON message at stream byte 0: unexpected '}' (0x7D), expected a JSON value at byte 10 of the message",
      warning: { offset in
        "malformed JSON message at stream byte \(offset): unexpected '}' (0x7D), expected a JSON value at byte 10 of the message"
      }),
    Garbage(
      name: "invalid UTF-8",
      bytes: Array(#"{"return":""#.utf8) + [0xC3, 0x28] + Array("\"}\r\n".utf8),
      greetingReason:
        "not JSON: malformed JSON message at stream byte 0: invalid UTF-8 at byte 12 of the message",
      warning: { offset in
        "malformed JSON message at stream byte \(offset): invalid UTF-8 at byte 12 of the message"
      }),
  ]

  /// Where the reply to the first command starts in the server's stream: after the greeting
  /// and the negotiation's reply.
  static let replyStreamOffset =
    FaultServer.greetingBytes.count
    + FaultServer.wire(["return": [:], "id": "negotiate"]).count

  @Test(arguments: kinds)
  func garbageForAGreetingExitsThree(_ garbage: Garbage) async throws {
    // The server then stays connected: the shell must not wait for a better greeting.
    try await withFakeQMPServer(FakeQMPServer.Script(greeting: .bytes(garbage.bytes))) { server in
      let run = try await FaultShell.run(
        [server.address.description, "-c", "query-status"], limit: .seconds(20))
      #expect(run.status == 3)
      #expect(
        run.stderr
          == "qmp-shell: cannot set up a session with \(server.address): invalid QMP greeting: \(garbage.greetingReason)\n"
      )
      #expect(run.stdout.isEmpty)
    }
  }

  /// What the server does after the garbage it sent instead of the reply.
  enum Then: String, CaseIterable, Sendable {
    case replies, staysSilent, hangsUp
  }

  @Test(arguments: kinds, Then.allCases)
  func garbageInPlaceOfAReplyIsAWarning(_ garbage: Garbage, then: Then) async throws {
    let script = FaultServer.answering("cmd") { _ in
      switch then {
      case .replies: return [.bytes(garbage.bytes), .return("mine")]
      case .staysSilent: return [.bytes(garbage.bytes)]
      case .hangsUp: return [.bytes(garbage.bytes), .disconnect]
      }
    }
    // Only the silent server is meant to meet the timeout; the garbage is sent at once, and
    // the timeouts leave room for a fake server slowed by heavier tests in this process.
    let timeout = then == .staysSilent ? "3" : "10"
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--timeout", timeout, "-c", "cmd"], limit: .seconds(30))
      let warning = "qmp-shell: warning: " + garbage.warning(Self.replyStreamOffset)
      switch then {
      case .replies:
        #expect(run.status == 0)
        #expect(run.stdout == #"{"return":"mine"}"# + "\n")
        #expect(run.stderrLines == [Substring(warning)])
      case .staysSilent:
        #expect(run.status == 5)
        #expect(run.stdout.isEmpty)
        #expect(
          run.stderrLines == [
            Substring(warning), "qmp-shell: line 1: no reply to cmd within 3 s",
          ])
      case .hangsUp:
        #expect(run.status == 4)
        #expect(run.stdout.isEmpty)
        #expect(
          run.stderrLines == [
            Substring(warning),
            "qmp-shell: line 1: connection lost before cmd was answered: connection closed by peer unexpectedly (end of file)",
          ])
      }
    }
  }
}
