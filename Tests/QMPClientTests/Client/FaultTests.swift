import AsyncProtocol
import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// Every fault the client must survive or report, scripted with the fake server.
@Suite(.timeLimit(.minutes(1)))
struct FaultTests {
  /// The fake answers `name` with `actions`, everything else as a fresh QEMU would.
  private func script(_ answers: [String: [FakeQMPServer.Action]]) -> FakeQMPServer.Script {
    FakeQMPServer.Script { command in
      answers[command.name] ?? FakeQMPServer.standardResponse(to: command)
    }
  }

  private func connectError(_ script: FakeQMPServer.Script, timeout: Duration = .seconds(5))
    async throws -> ConnectError?
  {
    try await withFakeQMPServer(script) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient(configuration: .init(connectTimeout: timeout))
        let error = await #expect(throws: ConnectError.self) {
          try await client.connect(to: Endpoint(server.address))
        }
        #expect(client.runstate == .idle)
        return error
      }
    }
  }

  // MARK: Greeting and negotiation

  @Test func greetingThatIsNotJSON() async throws {
    let error = try await connectError(.init(greeting: .bytes(Array("hello}\r\n".utf8))))
    #expect(error?.phase == .handshake)
    #expect(describe(error).contains("invalid QMP greeting: not JSON"))
  }

  @Test func greetingWithoutVersion() async throws {
    let error = try await connectError(.init(greeting: .json(["QMP": ["capabilities": []]])))
    #expect(describe(error).contains("invalid QMP greeting"))
    #expect(describe(error).contains("version"))
  }

  @Test func noGreetingHitsTheConnectTimeout() async throws {
    let error = try await connectError(.init(greeting: .none), timeout: .seconds(1))
    #expect(error?.phase == .handshake)
    #expect(describe(error).contains("no QMP greeting within 1.0 seconds"))
    #expect(describe(error).contains("another client"))
  }

  @Test func truncatedGreetingThenHangUp() async throws {
    var greeting: [UInt8] = []
    FakeQMPServer.Greeting.qemuJSON().write(to: &greeting)
    let error = try await connectError(
      .init(greeting: .bytes(Array(greeting.prefix(25))), onConnect: [.disconnect]))
    #expect(error?.phase == .handshake)
    #expect(describe(error).contains("middle of a message"))
  }

  @Test func refusedNegotiation() async throws {
    let error = try await connectError(
      script(["qmp_capabilities": [.error(class: "GenericError", desc: "not today")]]))
    #expect(describe(error).contains("capabilities negotiation failed: GenericError: not today"))
  }

  @Test func oobIsOnlyRequestedWhenOffered() async throws {
    try await withFakeQMPServer(.init(greeting: .qemu(capabilities: []))) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          #expect(!client.isOOBEnabled)
        }
        #expect(server.receivedCommands.first?.arguments == nil)
      }
    }
    try await withFakeQMPServer { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in #expect(client.isOOBEnabled) }
        #expect(server.receivedCommands.first?.arguments?["enable"] == ["oob"])
      }
    }
  }

  @Test func connectionRefusedIsATransportError() async throws {
    try await withTemporaryDirectory { directory in
      let client = QMPClient()
      let error = await #expect(throws: ConnectError.self) {
        try await client.connect(to: .unix(path: directory.file("nobody.sock")))
      }
      #expect(error?.phase == .transport)
    }
  }

  // MARK: Replies

  @Test func idlessErrorIsAWarningNotTheReply() async throws {
    let fake = script(["go": [.idlessError(desc: "JSON parse error"), .return("mine")]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript()
          let value1 = try await client.execute("go")
          #expect(value1 == "mine")
          let entries = await collect(transcript) {
            if case .reply = $0 { return true }
            return false
          }
          #expect(entries.map(label) == ["warning idless", "reply \"q-1\" delivered"])
          #expect(client.warningCount == 1)
        }
      }
    }
  }

  @Test func unknownIDIsDroppedNotDelivered() async throws {
    let fake = script(["go": [.return("impostor", id: .value("q-999")), .return("mine")]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript()
          let value2 = try await client.execute("go")
          #expect(value2 == "mine")
          let entries = await collect(transcript) {
            if case .reply(_, .delivered) = $0 { return true }
            return false
          }
          #expect(entries.map(label) == ["reply \"q-999\" unmatched", "reply \"q-1\" delivered"])
        }
      }
    }
  }

  @Test func timeoutThenLateReplyIsDropped() async throws {
    let release = AsyncSignal()
    let fake = script(["slow": [.detached([.wait(release), .return("too late")])]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript()
          let error = await #expect(throws: QMPClientError.self) {
            try await client.execute("slow", timeout: .milliseconds(100))
          }
          #expect(error?.description == "command slow got no reply within 0.1 seconds")
          release.fire()
          let entries = await collect(transcript) {
            if case .reply = $0 { return true }
            return false
          }
          #expect(entries.map(label) == ["reply \"q-1\" late"])
          let status = try await client.execute("query-status")
          #expect(status["status"] == "running")
        }
      }
    }
  }

  @Test func cancelledCallerGivesUpAndItsReplyIsLate() async throws {
    let release = AsyncSignal()
    let received = AsyncSignal()
    let fake = script(["slow": [.fire(received), .detached([.wait(release), .return(1)])]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript()
          let caller = Task { try await client.execute("slow") }
          await received.wait()
          caller.cancel()
          await #expect(throws: CancellationError.self) { try await caller.value }
          release.fire()
          let entries = await collect(transcript) {
            if case .reply = $0 { return true }
            return false
          }
          #expect(entries.map(label) == ["reply \"q-1\" late"])
        }
      }
    }
  }

  @Test func callerIDsAreKeptAndClashesRefused() async throws {
    let release = AsyncSignal()
    let fake = script(["hold": [.detached([.wait(release), .return("held")])]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let held = Task { try await client.send(QMPCommand("hold", id: "mine")) }
          await server.waitUntil { $0.commands == 2 }
          let error = await #expect(throws: QMPClientError.self) {
            try await client.send(QMPCommand("other", id: "mine"))
          }
          #expect(error?.description.contains("already used") == true)
          release.fire()
          let reply = try await held.value
          #expect(reply.id == "mine")
          #expect(reply.json["return"] == "held")
        }
      }
    }
  }

  @Test func everyPendingCommandFailsAtOnceWhenTheConnectionDrops() async throws {
    let fake = script(["hang": [], "drop": [.disconnect]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(server.address))
        let waiting = (0..<5).map { _ in Task { try await client.execute("hang") } }
        await server.waitUntil { $0.commands == 6 }
        _ = Task { try await client.execute("drop") }
        for task in waiting {
          let error = await #expect(throws: QMPClientError.self) { try await task.value }
          #expect(
            error?.description
              == "connection lost: connection closed by peer unexpectedly (end of file)")
        }
        await #expect(throws: QMPClientError.self) { try await client.disconnect() }
      }
    }
  }

  @Test func quitThenEOFIsACleanCloseAndPendingCommandsSayQEMUQuit() async throws {
    let fake = script([
      "quit": [.event("SHUTDOWN", data: ["guest": false]), .return([:]), .disconnect]
    ])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(server.address))
        let value3 = try await client.execute("quit")
        #expect(value3 == [:])
        let error = await #expect(throws: QMPClientError.self) {
          try await client.execute("query-status")
        }
        #expect(error?.description.contains("QEMU quit") == true)
        #expect(client.disconnectReason?.isClean == true)
        try await client.disconnect()
      }
    }
  }

  @Test func malformedBytesMidSessionAreAWarning() async throws {
    let fake = script(["go": [.bytes(Array("{\"return\": nope}\r\n".utf8)), .return(2)]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let value4 = try await client.execute("go")
          #expect(value4 == 2)
          #expect(client.warningCount == 1)
          #expect(client.runstate == .running)
        }
      }
    }
  }

  @Test func messageCutOffByEOFIsADecodeFailure() async throws {
    let fake = script(["go": [.bytes(Array("{\"return\": [1, 2".utf8)), .disconnect]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(server.address))
        let error = await #expect(throws: QMPClientError.self) { try await client.execute("go") }
        #expect(error?.description.contains("decode error") == true)
        #expect(error?.description.contains("middle of a message") == true)
        try? await client.disconnect()
      }
    }
  }

  @Test func oversizeReplyEndsTheSessionInsteadOfHanging() async throws {
    let big = JSONValue.string(String(repeating: "x", count: 4096))
    try await withFakeQMPServer(script(["big": [.return(big)]])) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient(configuration: .init(maximumMessageSize: 1024))
        try await client.connect(to: Endpoint(server.address))
        let error = await #expect(throws: QMPClientError.self) { try await client.execute("big") }
        #expect(error?.description.contains("exceeds the maximum message size of 1024") == true)
        try? await client.disconnect()
      }
    }
  }

  @Test func commandsBeforeConnectingAreRefused() async throws {
    let client = QMPClient()
    let error = await #expect(throws: QMPClientError.self) { try await client.execute("x") }
    #expect(error?.description == "not connected to a QMP peer")
  }

  @Test func peerThatNeverReadsIsBoundedByTheTimeout() async throws {
    try await withFakeQMPServer(.init(readsInput: false)) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient(configuration: .init(connectTimeout: .seconds(1)))
        // The greeting arrives, but negotiation is never read: the connect timeout bounds it.
        let error = await #expect(throws: ConnectError.self) {
          try await client.connect(to: Endpoint(server.address))
        }
        // Normally "timed out after 1.0 seconds"; on a loaded machine the greeting itself may be
        // late, and then the hint says so. Either way the connect ended at its bound.
        #expect(describe(error).contains("1.0 seconds"))
      }
    }
  }

  @Test func timeoutAlsoBoundsSendingToAPeerThatStoppedReading() async throws {
    try await withFakeQMPServer(.init(readsInput: false)) { server in
      try await withTimeout(.seconds(20)) {
        // The server greets but reads nothing: the socket buffers, then the client's queue,
        // fill up, and a send has to wait.
        let client = QMPClient(configuration: .init(negotiation: .skip, outboundQueueLimit: 1))
        try await client.connect(to: Endpoint(server.address))
        let big: JSONObject = ["data": .string(String(repeating: "x", count: 1 << 20))]
        var timeouts = 0
        for _ in 0..<8 {
          do {
            try await client.execute("x", arguments: big, timeout: .milliseconds(300))
          } catch let error as QMPClientError {
            #expect(error.description == "command x got no reply within 0.3 seconds")
            timeouts += 1
          }
        }
        #expect(timeouts == 8)
        // No disconnect() here: it would first flush the queue to a peer that never reads
        // (AsyncProtocol's flush has no bound). Stopping the server closes the socket.
      }
    }
  }

  @Test func reconnectsAfterADisconnect() async throws {
    try await withFakeQMPServer { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient()
        for _ in 0..<3 {
          try await client.connect(to: Endpoint(server.address))
          _ = try await client.execute("query-status")
          try await client.disconnect()
        }
        #expect(server.statistics.connectionsAccepted == 3)
      }
    }
  }

  @Test(arguments: [FakeQMPServer.Transport.tcp])
  func worksOverTCP(transport: FakeQMPServer.Transport) async throws {
    try await withFakeQMPServer(on: transport) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          _ = try await client.execute("query-status")
        }
      }
    }
  }
}
