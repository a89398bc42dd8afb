import QMPCodec
import QMPTestSupport
import Testing

/// A reply that arrives one byte at a time: `--timeout` still ends the wait on time (the
/// timeout is for the whole reply, not for silence), and a patient shell still gets it.
@Suite struct TrickleTests {
  /// The reply, one byte every 20 ms (about 0.9 s in all). The delays pace the server; they
  /// synchronise nothing.
  static func trickled(_ command: QMPCommand) -> [FakeQMPServer.Action] {
    FaultServer.wire(["return": "slow", "id": command.id ?? .null]).flatMap {
      byte -> [FakeQMPServer.Action] in [.bytes([byte]), .delay(.milliseconds(20))]
    }
  }

  @Test func aTrickledReplyTimesOutWithStatusFiveNamingTheCommand() async throws {
    try await withFakeQMPServer(FaultServer.answering("slow", Self.trickled)) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--timeout", "0.5", "-c", "slow"], limit: .seconds(30))
      #expect(run.status == 5)
      #expect(run.stderr == "qmp-shell: line 1: no reply to slow within 0.5 s\n")
      #expect(run.stdout.isEmpty)
      // 0.5 s, then start-up and exit; 7 s measured with the machine's load at 50.
      #expect(run.elapsed < .seconds(15).scaledForTests, "took \(run.elapsed)")
    }
  }

  @Test func aTrickledReplyWithinTheTimeoutIsPrintedWhole() async throws {
    try await withFakeQMPServer(FaultServer.answering("slow", Self.trickled)) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--timeout", "15", "-c", "slow"], limit: .seconds(30))
      #expect(run.status == 0)
      #expect(run.stdout == #"{"return":"slow"}"# + "\n")
      #expect(run.stderr.isEmpty)
    }
  }
}
