import AsyncProtocol
import NIOCore
import Testing

/// `send(_:timeout:)` bounds the wait for room in the outbound queue, and only that wait.
@Suite struct SendTimeoutTests {
  @Test func aFullQueueTimesOutAndTheMessageIsNotSent() async throws {
    try await withTimeout(.seconds(20)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let gate = Gate()
      // The peer reads nothing until the gate opens, then counts what it got.
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/t.sock")) {
        inbound, _ in
        await gate.wait()
        return try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession(queueLimit: 1)
      try await session.connect(to: endpoint)

      // Half-megabyte lines (the test codec allows 1 MiB): the writer gets stuck on the first
      // (socket buffers are smaller),
      // the next one fills the queue, and every later send has to wait for room.
      let big = String(repeating: "x", count: 1 << 19)
      var sent = 0
      var thrown: (any Error)?
      while thrown == nil && sent < 64 {
        do {
          try await session.send("\(sent) \(big)", timeout: .milliseconds(200))
          sent += 1
        } catch {
          thrown = error
        }
      }
      let timeout = try #require(thrown as? SendTimeoutError, "got \(String(describing: thrown))")
      #expect(timeout.timeout == .milliseconds(200))
      #expect(timeout.description.contains("not reading"))
      #expect(sent >= 1 && sent < 64)
      #expect(session.runstate == .running, "a send that timed out leaves the session up")

      gate.open()
      try await session.disconnect()
      let lines = try await peer.value
      #expect(lines.count == sent, "exactly the messages that were queued arrive")
      #expect(lines.allSatisfy { $0.hasSuffix(big) })
    }
  }

  @Test func aQueueWithRoomNeverWaits() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/r.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession()
      try await session.connect(to: endpoint)
      for i in 0..<100 { try await session.send("m\(i)", timeout: .zero) }
      try await session.disconnect()
      #expect(try await peer.value == (0..<100).map { "m\($0)" })
    }
  }
}
