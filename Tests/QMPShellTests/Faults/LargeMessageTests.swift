import QMPCodec
import QMPTestSupport
import Testing

extension HeavyFaults {
  /// A 100 MB message, beyond the decoder's 64 MiB limit: refused with one clear line, with the
  /// shell's memory bounded well below the message's size.
  @Suite struct LargeMessageTests {
    static let filler = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
    /// 25,600 × 4 KiB = 100 MiB of string content.
    static let fillerCount = 25_600
    /// The bound on the shell's peak RSS. The decoder holds a message until it passes the
    /// 64 MiB limit, and its buffer grows by doubling: when a doubling falls at the limit, the
    /// old and the new storage are both resident for a moment. Measured on the debug build
    /// (GNU time's %M, 2 loaded cores): 88 MiB for the reply (no doubling at the limit), 150 MiB
    /// for the greeting (a doubling from 64 to 128 MiB). A shell without the limit would hold
    /// all 100 MiB and double past it (well over 200 MiB). Checking the limit before growing
    /// the buffer would bring both cases under ~90 MiB; that is the codec's to change.
    static let rssBoundMiB = 160.0

    @Test func aHundredMegabyteReplyEndsTheSessionWithStatusFour() async throws {
      let script = FaultServer.answering("big") { _ in
        [
          .bytes(Array(#"{"return":""#.utf8)), .repeated(Self.filler, count: Self.fillerCount),
          .bytes(Array("\"}\r\n".utf8)),
        ]
      }
      try await withFakeQMPServer(script) { server in
        let run = try await FaultShell.run(
          [server.address.description, "-c", "big"], limit: .seconds(60))
        print("100 MB reply: status \(run.status), peak RSS \(run.peakRSSMiB) MiB, \(run.elapsed)")
        #expect(run.status == 4)
        #expect(
          run.stderr
            == "qmp-shell: line 1: connection lost before big was answered: decode error: JSON message at stream byte \(MalformedInputTests.replyStreamOffset) exceeds the maximum message size of 67108864 bytes\n"
        )
        #expect(run.stdout.isEmpty)
        #expect(run.peakRSSMiB < Self.rssBoundMiB, "peak RSS \(run.peakRSSMiB) MiB")
      }
    }

    @Test func aHundredMegabyteGreetingExitsThree() async throws {
      let script = FakeQMPServer.Script(
        greeting: .bytes(Array(#"{"QMP":""#.utf8)),
        onConnect: [
          .repeated(Self.filler, count: Self.fillerCount), .bytes(Array("\"}\r\n".utf8)),
        ])
      try await withFakeQMPServer(script) { server in
        let run = try await FaultShell.run(
          [server.address.description, "--connect-timeout", "60", "-c", "query-status"],
          limit: .seconds(60))
        print(
          "100 MB greeting: status \(run.status), peak RSS \(run.peakRSSMiB) MiB, \(run.elapsed)")
        #expect(run.status == 3)
        #expect(
          run.stderr
            == "qmp-shell: cannot set up a session with \(server.address): JSON message at stream byte 0 exceeds the maximum message size of 67108864 bytes\n"
        )
        #expect(run.peakRSSMiB < Self.rssBoundMiB, "peak RSS \(run.peakRSSMiB) MiB")
      }
    }
  }
}
