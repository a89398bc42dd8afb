import QMPCodec
import QMPTestSupport
import Testing

/// The fake server does what its script says, byte for byte where it matters.
@Suite(.timeLimit(.minutes(1)))
struct FakeQMPServerTests {
  @Test(arguments: [FakeQMPServer.Transport.unix, .tcp])
  func greetsAndEchoesIDs(transport: FakeQMPServer.Transport) async throws {
    try await withFakeQMPServer(on: transport) { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        let greeting = try await connection.nextValue()
        #expect(greeting["QMP"]?["capabilities"] == ["oob"])
        try await connection.send(json: ["execute": "qmp_capabilities", "id": "a"])
        #expect(try await connection.nextValue() == ["return": [:], "id": "a"])
        try await connection.send(json: ["execute": "nope", "id": ["x": 1]])
        let error = try await connection.nextValue()
        #expect(error["id"] == ["x": 1])
        #expect(error["error"]?["class"] == "CommandNotFound")
        await connection.close()
      }
      #expect(server.receivedCommands.map(\.name) == ["qmp_capabilities", "nope"])
      #expect(server.statistics.commands == 2)
    }
  }

  @Test func scriptedEventsComeBeforeTheReply() async throws {
    let script = FakeQMPServer.Script { command in
      command.name == "stop"
        ? [.event("STOP"), .return([:])] : FakeQMPServer.standardResponse(to: command)
    }
    try await withFakeQMPServer(script) { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        _ = try await connection.nextValue()
        try await connection.send(json: ["execute": "stop", "id": "s"])
        let first = try await connection.nextValue()
        let second = try await connection.nextValue()
        #expect(first["event"] == "STOP")
        #expect(first["timestamp"]?["seconds"]?.int64Value != nil)
        #expect(second == ["return": [:], "id": "s"])
        await connection.close()
      }
    }
  }

  @Test func malformedInputGetsAnIdlessErrorAndIsCounted() async throws {
    try await withFakeQMPServer { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        _ = try await connection.nextValue()
        try await connection.send("{\"execute\": nope}\n")
        let error = try await connection.nextValue()
        #expect(error["id"] == nil)
        #expect(error["error"]?["class"] == "GenericError")
        try await connection.send(json: ["arguments": [:], "id": 7])
        let invalid = try await connection.nextValue()
        #expect(invalid["id"] == 7)
        await connection.close()
      }
      #expect(server.statistics.malformedInputs == 1)
      #expect(server.statistics.invalidCommands == 1)
    }
  }

  @Test func truncatedGreetingThenDisconnect() async throws {
    var greeting: [UInt8] = []
    FakeQMPServer.Greeting.qemuJSON().write(to: &greeting)
    let script = FakeQMPServer.Script(
      greeting: .bytes(Array(greeting.prefix(10))), onConnect: [.disconnect])
    try await withFakeQMPServer(script) { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        guard case .error(let error)? = await connection.next() else {
          Issue.record("expected the truncated greeting to be reported as malformed")
          return
        }
        #expect(error.description.contains("stream byte 0"))
        #expect(await connection.next() == nil)
      }
    }
  }

  @Test func heldReplyWaitsForTheSignalWhileOthersAreAnswered() async throws {
    let release = AsyncSignal()
    let script = FakeQMPServer.Script { command in
      command.name == "slow"
        ? [.detached([.wait(release), .return("late")])] : [.return("quick")]
    }
    try await withFakeQMPServer(script) { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        _ = try await connection.nextValue()
        try await connection.send(json: ["execute": "slow", "id": 1])
        try await connection.send(json: ["execute": "fast", "id": 2])
        #expect(try await connection.nextValue() == ["return": "quick", "id": 2])
        release.fire()
        #expect(try await connection.nextValue() == ["return": "late", "id": 1])
        await connection.close()
      }
    }
  }

  @Test func floodsAndWrongIDsAndRawBytes() async throws {
    let script = FakeQMPServer.Script(
      greeting: .none, lineEnding: "\n",
      respond: { _ in
        [
          .eventFlood("TICK", data: ["n": 1], count: 5000), .return(1, id: .value("other")),
          .bytes([0xFF]), .idlessError(desc: "bad"),
        ]
      })
    try await withFakeQMPServer(script) { server in
      try await withTimeout(.seconds(20)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        try await connection.send(json: ["execute": "go", "id": "mine"])
        for _ in 0..<5000 {
          #expect(try await connection.nextValue()["event"] == "TICK")
        }
        #expect(try await connection.nextValue() == ["return": 1, "id": "other"])
        #expect(await connection.next() == .resetMarker)
        #expect(
          try await connection.nextValue() == ["error": ["class": "GenericError", "desc": "bad"]])
        await connection.close()
      }
    }
  }

  @Test func performReachesOpenConnectionsAndStatisticsCanBeAwaited() async throws {
    try await withFakeQMPServer { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        _ = try await connection.nextValue()
        await server.waitUntil { $0.connectionsAccepted == 1 }
        await server.perform([.event("RESUME"), .disconnect])
        #expect(try await connection.nextValue()["event"] == "RESUME")
        #expect(await connection.next() == nil)
        await server.waitUntil { $0.connectionsClosed == 1 }
      }
    }
  }

  @Test func neverReadingServerBlocksTheWriter() async throws {
    try await withFakeQMPServer(FakeQMPServer.Script(readsInput: false)) { server in
      let connection = try await RawPeerConnection.connect(to: server.address)
      let big = [UInt8](repeating: 0x20, count: 32 * 1024 * 1024)
      await #expect(throws: TimeoutError.self) {
        try await withTimeout(.seconds(1)) { try await connection.send(big) }
      }
      #expect(server.statistics.bytesReceived == 0)
      await connection.close()
    }
  }

  @Test func guestAgentScriptAnswersSyncWithTheSentinel() async throws {
    try await withFakeQMPServer(.guestAgent()) { server in
      try await withTimeout(.seconds(10)) {
        let connection = try await RawPeerConnection.connect(to: server.address)
        try await connection.send([0xFF])
        try await connection.send(
          json: ["execute": "guest-sync-delimited", "arguments": ["id": 99]])
        #expect(await connection.next() == .resetMarker)
        #expect(try await connection.nextValue() == ["return": 99])
        await connection.close()
      }
      #expect(server.statistics.resetMarkers == 1)
    }
  }
}
