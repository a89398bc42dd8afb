import AsyncProtocol
import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// The client in guest-agent mode against a real qemu-ga (risky commands blocked with -b).
@Suite(.timeLimit(.minutes(1)))
struct GuestAgentIntegrationTests {
  private let agentMode = QMPClient.Configuration(mode: .guestAgent)

  @Test func pingAndInfoAfterSync() async throws {
    try await withQEMU(.guestAgent()) { agent in
      try await withTimeout(.seconds(20)) {
        try await withClient(agent.address, agentMode) { client in
          #expect(client.greeting == nil)
          let value1 = try await client.execute("guest-ping")
          #expect(value1 == [:])
          let info = try await client.execute("guest-info")
          #expect(info["version"]?.stringValue?.isEmpty == false)
          let commands = info["supported_commands"]?.arrayValue ?? []
          let shutdown = commands.first { $0["name"] == "guest-shutdown" }
          #expect(shutdown?["enabled"] == false)
        }
      }
    }
  }

  @Test func recoversAnAgentLeftDirtyByAPreviousClient() async throws {
    try await withQEMU(.guestAgent()) { agent in
      try await withTimeout(.seconds(20)) {
        // A previous client leaves half a command in the agent's parser, which the agent
        // keeps across connections. (Only half: a client that closes with a reply unread makes
        // the kernel send a reset, and qemu-ga 7.2 exits on "error reading channel".)
        let previous = try await RawPeerConnection.connect(to: agent.address)
        try await previous.send("{\"execute\":\"guest-info\",\"arguments\":{\"x\":[1,")
        await previous.close()
        try await withClient(agent.address, agentMode) { client in
          let value2 = try await client.execute("guest-ping")
          #expect(value2 == [:])
          let info = try await client.execute("guest-info")
          #expect(info["version"] != nil)
          // What the dirty parser produced was before the sync's 0xFF: nothing leaked through.
          #expect(client.warningCount == 0)
        }
      }
    }
  }

  @Test func blockedCommandWithoutSuccessReplyReportsItsError() async throws {
    try await withQEMU(.guestAgent()) { agent in
      try await withTimeout(.seconds(20)) {
        try await withClient(agent.address, agentMode) { client in
          // guest-shutdown would send nothing on success; blocked, it answers with an error,
          // which arrives before the reply to the sync the client sends after it.
          let error = await #expect(throws: QMPError.self) {
            try await client.execute("guest-shutdown", arguments: ["mode": "powerdown"])
          }
          #expect(error?.desc.contains("disabled") == true)
          let pong = try await client.execute("guest-ping")
          #expect(pong == [:])
        }
      }
    }
  }

  @Test func guestAgentModeOnAQMPMonitorFailsClearly() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        let client = QMPClient(configuration: agentMode)
        let error = await #expect(throws: ConnectError.self) {
          try await client.connect(to: Endpoint(qemu.address))
        }
        #expect(error?.phase == .handshake)
        #expect(describe(error).contains("QMP monitor"))
        #expect(client.runstate == .idle)
      }
    }
  }
}
