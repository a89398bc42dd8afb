import AsyncProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// A normal `disconnect()` flushes the outbound queue, but a peer that stays connected and
/// stops reading must not hold it (and the program that wants to exit) forever.
@Suite struct FlushTimeoutTests {
  /// 4 MB: far more than the socket buffers and NIO's read-ahead on the peer's side, so the
  /// writer is still blocked in the middle of it when `disconnect()` is called.
  static let bigLine = String(repeating: "x", count: 4 << 20)

  /// A peer that accepts and then reads nothing until the test lets it go.
  static func deafPeer(_ endpoint: Endpoint, release: Gate) async throws -> (
    Endpoint, Task<Void, any Error>
  ) {
    try await RawPeer.serve(on: endpoint) { _, _ in await release.wait() }
  }

  @Test func aFlushThatThePeerNeverTakesEndsAtTheTimeoutWithItsOwnError() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let release = Gate()
      let (endpoint, peer) = try await Self.deafPeer(.unix(path: "\(dir)/s.sock"), release: release)
      let session = ProtocolSession(
        codec: LineCodec(maximumLength: 32 << 20),
        configuration: SessionConfiguration(flushTimeout: .milliseconds(300)),
        logger: quietLogger, onEvent: { _ in })
      try await session.connect(to: endpoint)
      try await session.send(Self.bigLine)
      try await session.send("after")

      let clock = ContinuousClock()
      let start = clock.now
      var thrown: (any Error)?
      do {
        try await session.disconnect()
      } catch {
        thrown = error
      }
      let took = clock.now - start
      #expect(thrown as? FlushTimeoutError == FlushTimeoutError(timeout: .milliseconds(300)))
      #expect(
        "\(thrown.map { "\($0)" } ?? "")"
          == "the peer did not take the queued output within 0.3 seconds (it stopped reading); closed without flushing"
      )
      #expect(took >= .milliseconds(300))
      #expect(took < .seconds(5), "disconnect took \(took)")
      #expect(session.runstate == .idle)
      // The session is usable again: a later disconnect is a no-op, not a second error.
      try await session.disconnect()
      release.open()
      try? await peer.value
    }
  }

  @Test func aPeerThatReadsIsFlushedCompletelyWithinTheTimeout() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/s.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let session = ProtocolSession(
        codec: LineCodec(maximumLength: 32 << 20),
        configuration: SessionConfiguration(flushTimeout: .seconds(20)),
        logger: quietLogger, onEvent: { _ in })
      try await session.connect(to: endpoint)
      try await session.send(Self.bigLine)
      for index in 0..<100 { try await session.send("line \(index)") }
      try await session.disconnect()
      let lines = try await peer.value
      #expect(lines.count == 101)
      #expect(lines.first?.utf8.count == Self.bigLine.utf8.count)
      #expect(lines.last == "line 99")
    }
  }

  @Test func withoutATimeoutTheFlushWaitsUntilThePeerHangsUp() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let release = Gate()
      let (endpoint, peer) = try await Self.deafPeer(.unix(path: "\(dir)/s.sock"), release: release)
      let session = ProtocolSession(
        codec: LineCodec(maximumLength: 32 << 20),
        configuration: SessionConfiguration(flushTimeout: nil),
        logger: quietLogger, onEvent: { _ in })
      try await session.connect(to: endpoint)
      try await session.send(Self.bigLine)
      let ended = NIOLockedValueBox(false)
      let disconnecting = Task {
        defer { ended.withLockedValue { $0 = true } }
        try await session.disconnect()
      }
      // Checking that something does NOT happen needs a window: a second is far beyond a
      // flush that could complete, and the disconnect must still be waiting.
      try await Task.sleep(for: .seconds(1))
      #expect(!ended.withLockedValue { $0 })
      release.open()
      try? await peer.value
      await #expect(throws: (any Error).self) { try await disconnecting.value }
      #expect(session.runstate == .idle)
    }
  }
}
