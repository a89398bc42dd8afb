import QMPCodec
import QMPTestSupport
import Testing

/// A server that accepts and then says nothing. `--connect-timeout` bounds the greeting (and
/// the negotiation); `--timeout` is for replies and events only, so without
/// `--connect-timeout` the default 10 s applies (man page, --connect-timeout).
@Suite struct SilentServerTests {
  static let hint = "(is another client connected to this monitor, or is it not a QMP socket?)"

  @Test func connectTimeoutBoundsAMissingGreeting() async throws {
    try await withFakeQMPServer(FakeQMPServer.Script(greeting: .none)) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--connect-timeout", "0.5", "-c", "query-status"],
        limit: .seconds(20))
      #expect(run.status == 3)
      #expect(
        run.stderr
          == "qmp-shell: cannot set up a session with \(server.address): no QMP greeting within 0.5 seconds \(Self.hint)\n"
      )
      #expect(run.elapsed >= .milliseconds(500))
      #expect(run.elapsed < .seconds(10).scaledForTests, "took \(run.elapsed)")
    }
  }

  @Test func withoutConnectTimeoutTheDefaultTenSecondsBoundTheGreeting() async throws {
    try await withFakeQMPServer(FakeQMPServer.Script(greeting: .none)) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--timeout", "0.3", "-c", "query-status"],
        limit: .seconds(30))
      #expect(run.status == 3)
      #expect(
        run.stderr
          == "qmp-shell: cannot set up a session with \(server.address): no QMP greeting within 10.0 seconds \(Self.hint)\n"
      )
      #expect(run.elapsed >= .seconds(10))
      #expect(run.elapsed < .seconds(20).scaledForTests, "took \(run.elapsed)")
    }
  }

  @Test func connectTimeoutBoundsANegotiationThatIsNeverAnswered() async throws {
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "qmp_capabilities" ? [] : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "--connect-timeout", "5", "-c", "query-status"],
        limit: .seconds(20))
      #expect(run.status == 3)
      #expect(
        run.stderr
          == "qmp-shell: cannot set up a session with \(server.address): timed out after 5.0 seconds\n"
      )
      #expect(run.elapsed < .seconds(15).scaledForTests, "took \(run.elapsed)")
    }
  }

  @Test func connectTimeoutBoundsASilentGuestAgent() async throws {
    let script = FakeQMPServer.Script.guestAgent(respond: { _ in [] })
    try await withFakeQMPServer(script) { server in
      let run = try await FaultShell.run(
        [server.address.description, "-g", "--connect-timeout", "0.5", "-c", "guest-ping"],
        limit: .seconds(20))
      #expect(run.status == 3)
      #expect(
        run.stderr
          == "qmp-shell: cannot set up a session with \(server.address): the guest agent did not answer guest-sync-delimited within 0.5 seconds (is the agent running in the guest, and is this its socket?)\n"
      )
      #expect(run.elapsed < .seconds(10).scaledForTests, "took \(run.elapsed)")
    }
  }
}
