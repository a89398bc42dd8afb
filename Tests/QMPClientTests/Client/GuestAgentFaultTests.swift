import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// Guest-agent mode against a scripted agent: sync, stale data, commands without replies.
@Suite(.timeLimit(.minutes(1)))
struct GuestAgentFaultTests {
  private let agentMode = QMPClient.Configuration(mode: .guestAgent)

  private func agent(_ answers: [String: [FakeQMPServer.Action]]) -> FakeQMPServer.Script {
    .guestAgent { command in answers[command.name] ?? FakeQMPServer.standardResponse(to: command) }
  }

  @Test func staleRepliesBeforeTheSentinelAreDiscarded() async throws {
    var script = agent([:])
    script.onConnect = [
      .message(["return": 12345]), .bytes(Array("garbage}\n".utf8)),
      .idlessError(desc: "left over"),
    ]
    try await withFakeQMPServer(script) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address, agentMode) { client in
          let pong = try await client.execute("guest-ping")
          #expect(pong == [:])
          #expect(client.warningCount == 0)
        }
        #expect(server.statistics.resetMarkers == 1)
        #expect(server.receivedCommands.first?.name == "guest-sync-delimited")
      }
    }
  }

  @Test func shutdownWithoutReplyIsAcceptedAfterTheSync() async throws {
    try await withFakeQMPServer(agent(["guest-shutdown": []])) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address, agentMode) { client in
          let result = try await client.execute("guest-shutdown")
          #expect(result == [:])
          // The sync after the command is what told the client it was accepted.
          #expect(
            server.receivedCommands.map(\.name).suffix(2) == [
              "guest-shutdown", "guest-sync-delimited",
            ])
        }
      }
    }
  }

  @Test func shutdownThatClosesTheConnectionCountsAsAccepted() async throws {
    try await withFakeQMPServer(agent(["guest-shutdown": [.disconnect]])) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient(configuration: agentMode)
        try await client.connect(to: Endpoint(server.address))
        let result = try await client.execute("guest-shutdown")
        #expect(result == [:])
        #expect(client.disconnectReason?.isClean == true)
        try await client.disconnect()
      }
    }
  }

  @Test func suspendErrorIsReported() async throws {
    let fake = agent(["guest-suspend-ram": [.error(class: "GenericError", desc: "no S3")]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address, agentMode) { client in
          let error = await #expect(throws: QMPError.self) {
            try await client.execute("guest-suspend-ram")
          }
          #expect(error?.desc == "no S3")
        }
      }
    }
  }

  @Test func timeoutMakesTheNextCommandResynchronise() async throws {
    try await withFakeQMPServer(agent(["guest-slow": []])) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address, agentMode) { client in
          await #expect(throws: QMPClientError.self) {
            try await client.execute("guest-slow", timeout: .milliseconds(50))
          }
          let pong = try await client.execute("guest-ping")
          #expect(pong == [:])
          // One 0xFF on connect, one before the command after the timeout.
          #expect(server.statistics.resetMarkers == 2)
          #expect(
            server.receivedCommands.map(\.name)
              == ["guest-sync-delimited", "guest-slow", "guest-sync-delimited", "guest-ping"])
        }
      }
    }
  }

  @Test func agentThatNeverAnswersTheSyncHitsTheConnectTimeout() async throws {
    try await withFakeQMPServer(agent(["guest-sync-delimited": []])) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient(
          configuration: .init(mode: .guestAgent, connectTimeout: .seconds(1)))
        let error = await #expect(throws: (any Error).self) {
          try await client.connect(to: Endpoint(server.address))
        }
        #expect(describe(error).contains("did not answer guest-sync-delimited within 1.0 seconds"))
      }
    }
  }
}
