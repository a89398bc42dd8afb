import QMPClient
import QMPCodec
import QMPShell
import QMPTestSupport
import Testing

/// Command-name completion for `--agent`, from `guest-info`.
@Suite(.timeLimit(.minutes(1)))
struct GuestAgentCommandsTests {
  @Test func enabledNamesSortedAndBlockedOnesLeftOut() {
    let info: JSONValue = [
      "version": "7.2.22",
      "supported_commands": [
        ["name": "guest-ping", "enabled": true, "success-response": true],
        ["name": "guest-exec", "enabled": false, "success-response": true],
        ["name": "guest-get-time", "enabled": true, "success-response": true],
        ["name": "guest-shutdown", "enabled": true, "success-response": false],
        ["enabled": true],
      ],
    ]
    #expect(
      GuestAgentCommands.names(fromGuestInfo: info) == [
        "guest-get-time", "guest-ping", "guest-shutdown",
      ])
  }

  @Test func aReplyWithoutACommandListGivesNoNames() {
    #expect(GuestAgentCommands.names(fromGuestInfo: ["version": "1"]).isEmpty)
    #expect(GuestAgentCommands.names(fromGuestInfo: "odd").isEmpty)
  }

  @Test func namesFromARealAgent() async throws {
    try await withQEMU(.guestAgent()) { agent in
      try await withTimeout(.seconds(20)) {
        let client = QMPClient(configuration: QMPClient.Configuration(mode: .guestAgent))
        try await client.connect(to: Endpoint(parsing: agent.address.description))
        let names = await GuestAgentCommands.names(from: client)
        try await client.disconnect()
        #expect(names.contains("guest-ping"))
        #expect(names.contains("guest-info"))
        #expect(!names.contains("guest-exec"))  // blocked by the test configuration
        #expect(names == names.sorted())
      }
    }
  }

  @Test func aFailingGuestInfoGivesNoNames() async throws {
    // A QMP monitor answers guest-info with CommandNotFound.
    try await withQEMU { qemu in
      try await withTimeout(.seconds(20)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(parsing: qemu.address.description))
        let names = await GuestAgentCommands.names(from: client)
        try await client.disconnect()
        #expect(names.isEmpty)
      }
    }
  }
}
