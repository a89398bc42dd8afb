import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// `TranscriptSubscription.nextBatch`: everything buffered at once, in order, nothing lost,
/// and an end that is reported once.
@Suite(.timeLimit(.minutes(1)))
struct TranscriptBatchTests {
  private let floodThenReply = FakeQMPServer.Script { command in
    command.name == "go"
      ? [.eventFlood("TICK", data: ["k": 1], count: 300), .return("done")]
      : FakeQMPServer.standardResponse(to: command)
  }

  @Test func oneBatchHoldsEverythingThatArrivedInWireOrder() async throws {
    try await withFakeQMPServer(floodThenReply) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript(bufferLimit: 4096, overflow: .suspendReader)
          // The reply is in the transcript before `execute` returns, so are the events
          // before it: one batch must hold all of them.
          let done = try await client.execute("go")
          #expect(done == "done")
          let batch = await transcript.nextBatch()
          let labels = batch.map(label)
          #expect(labels.count == 301)
          #expect(labels.prefix(300).allSatisfy { $0 == "event TICK" })
          #expect(labels.last?.hasPrefix("reply ") == true)
          #expect(transcript.droppedCount == 0)
        }
      }
    }
  }

  @Test func aSmallSuspendingBufferLosesNothingAcrossBatches() async throws {
    try await withFakeQMPServer(floodThenReply) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript(bufferLimit: 7, overflow: .suspendReader)
          let command = Task { try await client.execute("go") }
          var events = 0
          var sawReply = false
          var batch: [TranscriptEntry] = []
          while !sawReply {
            batch = await transcript.nextBatch(reusing: batch)
            try #require(!batch.isEmpty)
            #expect(batch.count <= 7)
            for entry in batch {
              switch entry {
              case .event(let event):
                #expect(event.data?["k"] == 1)
                events += 1
              case .reply: sawReply = true
              default: Issue.record("unexpected entry \(label(entry))")
              }
            }
          }
          #expect(events == 300)
          #expect(try await command.value == "done")
        }
      }
    }
  }

  /// A run of events offered at once into a small `.dropOldest` buffer keeps the newest
  /// and reports exactly how many went.
  @Test func aDroppingBufferCountsEveryEventItLost() async throws {
    try await withFakeQMPServer(floodThenReply) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript(bufferLimit: 10, overflow: .dropOldest)
          #expect(try await client.execute("go") == "done")
          var events = 0
          var dropped = 0
          var sawReply = false
          while !sawReply {
            let batch = await transcript.nextBatch()
            try #require(!batch.isEmpty)
            for entry in batch {
              switch entry {
              case .event: events += 1
              case .dropped(let count): dropped += count
              case .reply: sawReply = true
              default: Issue.record("unexpected entry \(label(entry))")
              }
            }
          }
          #expect(events <= 10)
          #expect(dropped > 0)
          #expect(events + dropped == 300)
          #expect(transcript.droppedCount == dropped)
        }
      }
    }
  }

  @Test func theEndComesAfterTheLastEntryAndStays() async throws {
    try await withFakeQMPServer(floodThenReply) { server in
      try await withTimeout(.seconds(10)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(server.address))
        let transcript = client.transcript(bufferLimit: 16, overflow: .suspendReader)
        try await client.disconnect()
        var last: TranscriptEntry?
        while true {
          let batch = await transcript.nextBatch()
          if batch.isEmpty { break }
          last = batch.last
        }
        guard case .disconnected(let reason)? = last else {
          Issue.record(
            "the transcript did not end with the disconnect: \(String(describing: last))")
          return
        }
        #expect(reason.isClean)
        #expect(await transcript.nextBatch().isEmpty)
      }
    }
  }

  @Test func aCancelledReaderGetsAnEmptyBatch() async throws {
    try await withFakeQMPServer(floodThenReply) { server in
      try await withTimeout(.seconds(10)) {
        try await withClient(server.address) { client in
          let transcript = client.transcript(bufferLimit: 16, overflow: .suspendReader)
          // Nothing arrives on an idle session: the reader waits until it is cancelled.
          let reader = Task { await transcript.nextBatch() }
          reader.cancel()
          #expect(await reader.value.isEmpty)
        }
      }
    }
  }
}
