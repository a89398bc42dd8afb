import AsyncProtocol
import NIOCore
import Testing

/// A caller on the session's loop writes its message itself when nothing is queued ahead of it
/// (no writer task wake-up), and the writer no longer waits for every write to complete. These
/// tests hold the two promises that must survive that: order, and the flush at disconnect.
@Suite struct DirectWriteTests {
  /// A message far bigger than the socket buffer leaves most of its bytes with NIO when the
  /// send returns; a normal disconnect right after must still deliver all of it.
  @Test func disconnectFlushesALargeMessageSentFromTheLoop() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let size = 4 << 20
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/f.sock")) {
        inbound, _ in
        try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession(codec: LineCodec(maximumLength: 2 * size))
      try await session.connect(to: endpoint)
      let big = String(repeating: "x", count: size)
      try await withTaskExecutorPreference(session.taskExecutor) {
        try await session.send("first")
        try await session.send(big)
      }
      try await session.disconnect()
      let lines = try await peer.value
      #expect(lines.count == 2)
      #expect(lines.first == "first")
      #expect(lines.last?.utf8.count == size, "the big line arrived cut short")
    }
  }

  /// One sender on the loop (which may write directly) and one off it (which queues) send
  /// at the same time: each one's messages arrive complete and in its own order.
  @Test func loopAndPoolSendersKeepTheirOrder() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let count = 2_000
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/o.sock")) {
        inbound, _ in
        try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession()
      try await session.connect(to: endpoint)
      let onLoop = Task(executorPreference: session.taskExecutor) {
        for index in 0..<count { try await session.send("a\(index)") }
      }
      let offLoop = Task.detached {
        for index in 0..<count { try await session.send("b\(index)") }
      }
      try await onLoop.value
      try await offLoop.value
      try await session.disconnect()
      let lines = try await peer.value
      #expect(lines.count == 2 * count)
      #expect(lines.filter { $0.hasPrefix("a") } == (0..<count).map { "a\($0)" })
      #expect(lines.filter { $0.hasPrefix("b") } == (0..<count).map { "b\($0)" })
    }
  }
}
