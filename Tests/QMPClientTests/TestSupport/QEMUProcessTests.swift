import Foundation
import QMPCodec
import QMPTestSupport
import Testing

/// The real peers start, speak, and are always cleaned up.
@Suite(.timeLimit(.minutes(1)))
struct QEMUProcessTests {
  /// Reads the greeting, negotiates and asks for the run state, byte-level.
  private func negotiate(_ address: PeerAddress) async throws -> (
    greeting: JSONValue, status: JSONValue
  ) {
    try await withTimeout(.seconds(10), "talking to \(address)") {
      let connection = try await RawPeerConnection.connect(to: address)
      let greeting = try await connection.nextValue()
      try await connection.send(json: ["execute": "qmp_capabilities", "id": "n"])
      let negotiated = try await connection.nextValue()
      #expect(negotiated["id"] == "n")
      try await connection.send(json: ["execute": "query-status", "id": "s"])
      let status = try await connection.nextValue()
      await connection.close()
      return (greeting, status)
    }
  }

  @Test func systemEmulatorGreetsOnUnixAndIsCleanedUp() async throws {
    var directory = ""
    var child: ChildProcess?
    try await withQEMU(.systemEmulator()) { qemu in
      directory = qemu.directory.path
      child = qemu.child
      let (greeting, status) = try await negotiate(qemu.address)
      #expect(greeting["QMP"]?["version"]?["qemu"]?["major"]?.int64Value != nil)
      #expect(
        status["return"]?["status"] == "prelaunch" || status["return"]?["status"] == "running")
    }
    // SIGTERM is enough: QEMU says "terminating on signal 15" and exits with status 0.
    #expect(child?.exitStatus == 0)
    #expect(!FileManager.default.fileExists(atPath: directory))
  }

  @Test func stopsThePeerWhenTheBodyThrows() async throws {
    struct Planned: Error {}
    var child: ChildProcess?
    var directory = ""
    await #expect(throws: Planned.self) {
      try await withQEMU(.systemEmulator()) { qemu in
        child = qemu.child
        directory = qemu.directory.path
        throw Planned()
      }
    }
    #expect(child?.exitStatus != nil)
    #expect(!FileManager.default.fileExists(atPath: directory))
  }

  @Test func tcpAndSecondUnixMonitorBothGreet() async throws {
    try await withQEMU(.systemEmulator(monitors: [.tcp, .unix])) { qemu in
      #expect(qemu.monitorAddresses.count == 2)
      guard case .tcp(_, let port) = qemu.monitorAddresses[0] else {
        Issue.record("first monitor is not TCP: \(qemu.monitorAddresses[0])")
        return
      }
      #expect(port > 0)
      for address in qemu.monitorAddresses {
        let (greeting, _) = try await negotiate(address)
        #expect(greeting["QMP"] != nil)
      }
    }
  }

  @Test func storageDaemonGreets() async throws {
    try await withQEMU(.storageDaemon()) { qemu in
      let (greeting, status) = try await negotiate(qemu.address)
      #expect(greeting["QMP"]?["capabilities"] != nil)
      // The storage daemon has no machine, so query-status does not exist there.
      #expect(status["error"]?["class"] == "CommandNotFound")
    }
  }

  @Test func guestAgentAnswersSyncDelimitedAfterTheSentinel() async throws {
    try await withQEMU(.guestAgent()) { qemu in
      try await withTimeout(.seconds(10), "guest agent sync") {
        let connection = try await RawPeerConnection.connect(to: qemu.address)
        try await connection.send([0xFF])
        try await connection.send(
          json: ["execute": "guest-sync-delimited", "arguments": ["id": 4242]])
        var sawSentinel = false
        var reply: JSONValue?
        while reply == nil, let item = await connection.next() {
          switch item {
          case .resetMarker: sawSentinel = true
          case .value(let value) where sawSentinel: reply = value
          default: continue
          }
        }
        #expect(sawSentinel)
        #expect(reply?["return"] == 4242)
        try await connection.send(json: ["execute": "guest-shutdown"])
        let blocked = try await connection.nextValue()
        #expect(blocked["error"] != nil)
        await connection.close()
      }
    }
  }

  @Test func badArgumentsFailTheStartWithThePeersMessage() async throws {
    let error = await #expect(throws: TestSupportError.self) {
      try await withQEMU(.systemEmulator(extraArguments: ["-no-such-option"])) { _ in }
    }
    #expect(error?.description.contains("no-such-option") == true)
  }

  @Test func killedPeerIsReportedAsExited() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      qemu.kill(signal: SIGKILL)
      let status = await qemu.waitForExit(limit: .seconds(10))
      #expect(status == 128 + SIGKILL)
      #expect(!LocalSockets.accepts(qemu.address))
    }
  }
}
