import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// What `.suspendReader` promises: nothing lost, the reader waits, and nothing waits forever.
@Suite(.timeLimit(.minutes(1)))
struct BackPressureTests {
  private let twoEventsThenReply = FakeQMPServer.Script { command in
    command.name == "go"
      ? [.event("A"), .event("B"), .event("C"), .return("done")]
      : FakeQMPServer.standardResponse(to: command)
  }

  @Test func fullSubscriptionHoldsTheReplyUntilItIsRead() async throws {
    try await withFakeQMPServer(twoEventsThenReply) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let events = client.events(bufferLimit: 1, overflow: .suspendReader)
          let command = Task { try await client.execute("go") }
          // A fits, B waits for room: the reply behind it cannot arrive yet.
          await #expect(throws: TimeoutError.self) {
            try await withTimeout(.milliseconds(300)) { try await command.value }
          }
          var names: [String] = []
          for await event in events {
            names.append(event.name)
            if names.count == 3 { break }
          }
          #expect(names == ["A", "B", "C"])
          let done = try await command.value
          #expect(done == "done")
          #expect(events.droppedCount == 0)
        }
      }
    }
  }

  @Test func disconnectIsNotBlockedByAFullUnreadTranscript() async throws {
    try await withFakeQMPServer(twoEventsThenReply) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(server.address))
        let transcript = client.transcript(bufferLimit: 1, overflow: .suspendReader)
        let command = Task { try await client.execute("go") }
        await server.waitUntil { $0.commands == 2 }
        try await client.disconnect()
        let error = await #expect(throws: QMPClientError.self) { try await command.value }
        #expect(error?.description == "connection lost: closed by the client")
        // The transcript still ends with the reason, one entry over its limit.
        var last: TranscriptEntry?
        for await entry in transcript { last = entry }
        guard case .disconnected(let reason)? = last else {
          Issue.record("transcript did not end with the disconnect: \(String(describing: last))")
          return
        }
        #expect(reason.isClean)
        #expect(client.disconnectReason?.description == "closed by the client")
      }
    }
  }

  @Test func cancellingASuspendingSubscriptionReleasesTheReader() async throws {
    try await withFakeQMPServer(twoEventsThenReply) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let stuck = client.events(bufferLimit: 1, overflow: .suspendReader)
          let command = Task { try await client.execute("go") }
          await #expect(throws: TimeoutError.self) {
            try await withTimeout(.milliseconds(300)) { try await command.value }
          }
          stuck.cancel()
          let done = try await command.value
          #expect(done == "done")
        }
      }
    }
  }
}
