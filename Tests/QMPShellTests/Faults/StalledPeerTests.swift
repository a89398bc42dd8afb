import QMPCodec
import QMPTestSupport
import Testing

extension HeavyFaults {
  /// A server that greets, negotiates and then stops reading: the shell's writes fill the
  /// socket. `--timeout` must still end the run on time (the flush on the way out is bounded),
  /// and the shell's memory must not grow with what it cannot send.
  @Suite struct StalledPeerTests {
    /// A script line whose JSON is about `size` bytes.
    static func hmpLine(size: Int) -> String {
      "human-monitor-command command-line=" + String(repeating: "x", count: size) + "\n"
    }

    /// Measured on the debug build: 23.1 MiB for 200 × 100 KB lines (~22 MiB is the baseline):
    /// one command at a time is in flight, the rest stays unread in the input.
    static let manyLinesBoundMiB = 64.0

    @Test func twoHundredLargeCommandsTimeOutOnTimeWithBoundedMemory() async throws {
      let input = String(repeating: Self.hmpLine(size: 100_000), count: 200)
      try await withFakeQMPServer(FaultServer.stopsReadingAfterNegotiation) { server in
        let run = try await FaultShell.run(
          [server.address.description, "--timeout", "1"], input: Array(input.utf8),
          limit: .seconds(30))
        print("200 x 100 KB to a deaf peer: peak RSS \(run.peakRSSMiB) MiB, \(run.elapsed)")
        #expect(run.status == 5)
        #expect(run.stderr == "qmp-shell: line 1: no reply to human-monitor-command within 1 s\n")
        #expect(run.elapsed < .seconds(8).scaledForTests, "took \(run.elapsed)")
        #expect(run.peakRSSMiB < Self.manyLinesBoundMiB, "peak RSS \(run.peakRSSMiB) MiB")
      }
    }

    /// 8 MB is far more than the socket buffers and the server's read-ahead: the write is
    /// still blocked when the timeout fires, so the shell's disconnect must not wait for it.
    @Test func aCommandStuckInTheSocketDoesNotHoldTheExit() async throws {
      let input = Self.hmpLine(size: 8 << 20)
      try await withFakeQMPServer(FaultServer.stopsReadingAfterNegotiation) { server in
        let run = try await FaultShell.run(
          [server.address.description, "--timeout", "1"], input: Array(input.utf8),
          limit: .seconds(30))
        print("8 MB to a deaf peer: peak RSS \(run.peakRSSMiB) MiB, \(run.elapsed)")
        #expect(run.status == 5)
        #expect(run.stderr == "qmp-shell: line 1: no reply to human-monitor-command within 1 s\n")
        // 1 s timeout + the 2 s flush bound + reading and parsing 8 MB in a debug build (8.7 s
        // measured under heavy load); without the bound it never exits.
        #expect(run.elapsed < .seconds(15).scaledForTests, "took \(run.elapsed)")
      }
    }

    /// The server hangs up while the shell is about to write, or writing, a big command:
    /// EPIPE, a reset or EOF, whichever the shell meets first, but never a death by SIGPIPE
    /// (141) and never a hang. The server never decodes the 16 MB (it stopped reading), so
    /// it costs this test process nothing.
    @Test func theServerClosingUnderABigCommandIsConnectionLost() async throws {
      let input = Self.hmpLine(size: 16 << 20)
      // Fired once the negotiation's reply is written: closing after that is never a failed
      // negotiation (the reply is read before the EOF).
      let negotiated = AsyncSignal()
      let script = FakeQMPServer.Script(respond: { command in
        command.name == "qmp_capabilities"
          ? [.return([:]), .fire(negotiated), .stopReading]
          : FakeQMPServer.standardResponse(to: command)
      })
      try await withFakeQMPServer(script) { server in
        async let running = FaultShell.run(
          [server.address.description], input: Array(input.utf8), limit: .seconds(60))
        try await withTimeout(.seconds(50), "the negotiation") { await negotiated.wait() }
        await server.perform([.disconnect])
        let run = try await running
        #expect(run.status == 4, "\(run.stderr)")
        #expect(run.stderrLines.count == 1)
        #expect(
          run.stderr.hasPrefix(
            "qmp-shell: line 1: connection lost before human-monitor-command was "),
          "\(run.stderr)")
        #expect(run.stdout.isEmpty)
      }
    }
  }
}
