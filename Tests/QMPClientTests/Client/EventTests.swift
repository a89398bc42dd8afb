import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// Event listeners, waiting for events, and what bounded buffers do under floods.
@Suite(.timeLimit(.minutes(1)))
struct EventTests {
  private func script(_ answers: [String: [FakeQMPServer.Action]]) -> FakeQMPServer.Script {
    FakeQMPServer.Script { command in
      answers[command.name] ?? FakeQMPServer.standardResponse(to: command)
    }
  }

  @Test func executeAndWaitCatchesAnEventThatPrecedesTheReply() async throws {
    let fake = script([
      "device_del": [
        .event("DEVICE_DELETED", data: ["device": "other"]),
        .event("DEVICE_DELETED", data: ["device": "d0", "path": "/machine/peripheral/d0"]),
        .return([:]),
      ]
    ])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let (reply, event) = try await client.executeAndWait(
            QMPCommand("device_del", arguments: ["id": "d0"]),
            for: .name("DEVICE_DELETED", data: [("device", "d0")]), timeout: .seconds(5))
          #expect(reply.json["return"] == [:])
          #expect(event.data?["path"] == "/machine/peripheral/d0")
        }
      }
    }
  }

  @Test func executeAndWaitTimesOutWhenNoEventMatches() async throws {
    let fake = script(["stop": [.event("STOP"), .return([:])]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let error = await #expect(throws: QMPClientError.self) {
            try await client.executeAndWait(
              QMPCommand("stop"), for: .name("RESUME"), timeout: .seconds(2))
          }
          #expect(error?.description == "no matching event within 2.0 seconds")
        }
      }
    }
  }

  @Test func executeAndWaitThrowsTheCommandsErrorAtOnce() async throws {
    try await withFakeQMPServer { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let error = await #expect(throws: QMPError.self) {
            try await client.executeAndWait(QMPCommand("nope"), for: .all, timeout: nil)
          }
          #expect(error?.errorClass == "CommandNotFound")
        }
      }
    }
  }

  @Test func executeAndWaitFailsWhenTheConnectionEnds() async throws {
    let fake = script(["stop": [.return([:]), .disconnect]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let error = await #expect(throws: QMPClientError.self) {
            try await client.executeAndWait(QMPCommand("stop"), for: .name("STOP"), timeout: nil)
          }
          #expect(error?.description.contains("connection lost") == true)
        }
      }
    }
  }

  @Test func eachListenerGetsWhatItsFilterAccepts() async throws {
    let fake = script([
      "go": [
        .event("A", data: ["n": 1]), .event("B", data: ["n": 2]), .event("A", data: ["n": 3]),
        .return([:]),
      ]
    ])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let all = client.events()
          let onlyA = client.events(.name("A"))
          let bigN = client.events(.matching { ($0.data?["n"]?.int64Value ?? 0) >= 2 })
          try await client.execute("go")
          func names(_ subscription: EventSubscription, _ count: Int) async -> [String] {
            var names: [String] = []
            for await event in subscription {
              names.append("\(event.name)\(event.data?["n"]?.int64Value ?? 0)")
              if names.count == count { break }
            }
            return names
          }
          #expect(await names(all, 3) == ["A1", "B2", "A3"])
          #expect(await names(onlyA, 2) == ["A1", "A3"])
          #expect(await names(bigN, 2) == ["B2", "A3"])
        }
      }
    }
  }

  @Test func unreadSubscriptionDropsOldestAndCounts() async throws {
    let fake = script(["flood": [.eventFlood("TICK", count: 5000), .return([:])]])
    try await withFakeQMPServer(fake) { server in
      try await withTimeout(.seconds(20)) {
        try await withClient(server.address) { client in
          let events = client.events(bufferLimit: 10)
          let transcript = client.transcript(bufferLimit: 100)
          // Nobody reads either while the flood arrives; the command still completes.
          try await client.execute("flood")
          #expect(events.droppedCount == 4990)
          #expect(transcript.droppedCount == 4901)
          var iterator = transcript.makeAsyncIterator()
          let first = await iterator.next()
          guard case .dropped(let count)? = first else {
            Issue.record("expected a drop marker first, got \(String(describing: first))")
            return
          }
          #expect(count == 4901)
          // What is left is the newest: 99 events, then the reply.
          var rest: [String] = []
          for _ in 0..<100 { if let entry = await iterator.next() { rest.append(label(entry)) } }
          #expect(rest.first == "event TICK")
          #expect(rest.last == "reply \"q-1\" delivered")
        }
      }
    }
  }

  @Test func suspendingTranscriptLosesNothingAndKeepsOrder() async throws {
    let burst: [FakeQMPServer.Action] =
      (0..<3000).map { .event("N", data: ["i": .int(Int64($0))]) } + [.return("done")]
    try await withFakeQMPServer(script(["burst": burst])) { server in
      try await withTimeout(.seconds(30)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript(bufferLimit: 16, overflow: .suspendReader)
          let reader = Task {
            var seen: [Int64] = []
            for await entry in transcript {
              switch entry {
              case .event(let event): seen.append(event.data?["i"]?.int64Value ?? -1)
              case .reply: return (seen, true)
              default: return (seen, false)
              }
            }
            return (seen, false)
          }
          let done = try await client.execute("burst")
          #expect(done == "done")
          let (seen, sawReply) = await reader.value
          #expect(sawReply)
          #expect(seen == Array(0..<3000))
          #expect(transcript.droppedCount == 0)
        }
      }
    }
  }
}
