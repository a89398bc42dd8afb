import QMPCodec
import QMPTestSupport
import Testing

/// QEMU answers input it cannot parse with errors that carry no id. One arriving while a
/// command is pending is a warning, never that command's reply: the command still gets its
/// own reply, or times out.
@Suite struct IdlessErrorTests {
  static let warning = "qmp-shell: warning: error without id from peer: GenericError: x"

  @Test func theCommandStillGetsItsRealReplyAfterTheWarning() async throws {
    let script = FaultServer.answering("cmd") { _ in
      [.idlessError(desc: "x"), .idlessError(desc: "x"), .return(["real": true])]
    }
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "-c", "cmd", "-c", "query-status"], limit: .seconds(20))
      #expect(run.status == 0)
      #expect(run.stderrLines == [Substring(Self.warning), Substring(Self.warning)])
      #expect(
        run.stdout
          == #"{"return":{"real":true}}"# + "\n"
          + #"{"return":{"status":"running","singlestep":false,"running":true}}"# + "\n")
    }
  }

  @Test func withoutTheRealReplyTheCommandTimesOutWithStatusFive() async throws {
    let script = FaultServer.answering("cmd") { _ in [.idlessError(desc: "x")] }
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--timeout", "3", "-c", "cmd"], limit: .seconds(30))
      #expect(run.status == 5)
      // The error is sent at once; 3 s leaves room for a fake server slowed by other tests.
      #expect(
        run.stderrLines == [
          Substring(Self.warning), "qmp-shell: line 1: no reply to cmd within 3 s",
        ])
      #expect(run.stdout.isEmpty)
      #expect(run.elapsed < .seconds(15).scaledForTests)
    }
  }

  @Test func keepGoingRunsTheNextCommandAfterTheTimeout() async throws {
    let script = FaultServer.answering("cmd") { _ in [.idlessError(desc: "x")] }
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "-k", "--timeout", "5", "-c", "cmd", "-c", "query-status"],
        limit: .seconds(40))
      #expect(run.status == 5)
      // 5 s, not 3: the same timeout must also let query-status's reply through, and a CI
      // rehearsal next to a sanitizer run once took longer than 3 s to get it.
      #expect(
        run.stderrLines == [
          Substring(Self.warning), "qmp-shell: line 1: no reply to cmd within 5 s",
        ])
      #expect(
        run.stdout == #"{"return":{"status":"running","singlestep":false,"running":true}}"# + "\n")
    }
  }

  @Test func aReplyForAnIDNobodyWaitsForIsNotTakenEither() async throws {
    let script = FaultServer.answering("cmd") { _ in
      [.return("stale", id: .value("qmp-shell-99")), .return("mine")]
    }
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "-c", "cmd"], limit: .seconds(20))
      #expect(run.status == 0)
      #expect(run.stdout == #"{"return":"mine"}"# + "\n")
    }
  }
}
