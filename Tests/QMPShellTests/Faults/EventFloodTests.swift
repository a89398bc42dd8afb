import Foundation
import QMPCodec
import QMPTestSupport
import Testing

extension HeavyFaults {
  /// A flood of small events (a million with QMP_FAULTS_EVENTS=1000000) while a command is
  /// pending, then its reply: every event is printed, in order before the reply, and the
  /// shell's memory stays bounded (events stream through; the kernel holds the rest when
  /// stdout or the shell is slower than the server).
  @Suite struct EventFloodTests {
    /// 50,000 by default; QMP_FAULTS_EVENTS=1000000 runs the full million. A debug build
    /// spends ~60 µs of CPU per event (decode, route, print), so a million takes about a minute
    /// of CPU there, far beyond the ~20 s a default test may take on 2 shared cores.
    static let count =
      ProcessInfo.processInfo.environment["QMP_FAULTS_EVENTS"].flatMap { Int($0) } ?? 50_000
    /// Measured on the debug build: 26.6 MiB peak for 100,000 events (the baseline is ~22 MiB):
    /// events stream through, so the count does not move it.
    static let rssBoundMiB = 64.0

    @Test func everyEventOfAFloodIsPrintedBeforeTheReply() async throws {
      let count = Self.count
      let script = FaultServer.answering("flood") { _ in
        [.eventFlood("TICK", data: ["n": 1], count: count), .return("done")]
      }
      try await withFakeQMPServer(script) { server in
        let run = try await FaultShell.run(
          [server.address.description, "-c", "flood"], limit: .seconds(120), keepStdout: 4096)
        print(
          "\(count) events: status \(run.status), \(run.stdoutBytes) bytes out, peak RSS \(run.peakRSSMiB) MiB, \(run.elapsed)"
        )
        #expect(run.status == 0)
        #expect(run.stderr.isEmpty)
        #expect(run.stdoutLines == count + 1)
        let first = try JSONValue(parsing: String(run.stdout.prefix { $0 != "\n" }))
        #expect(first["event"] == "TICK")
        #expect(first["data"] == ["n": 1])
        // Every line has the same shape, so the byte count pins what the lines are: count
        // event lines of one length and the reply.
        let eventLine = run.stdout.prefix { $0 != "\n" }.utf8.count + 1
        #expect(run.stdoutBytes == count * eventLine + #"{"return":"done"}"#.utf8.count + 1)
        #expect(run.peakRSSMiB < Self.rssBoundMiB, "peak RSS \(run.peakRSSMiB) MiB")
      }
    }
  }
}
