import AsyncProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

@Suite struct BackPressureTests {
  @Test func aSlowOwnerStopsTheSessionReadingAhead() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let line = String(repeating: "e", count: 999) + "\n"
      let total = 20_000  // 20 MB: far more than socket buffers and read-ahead together
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/s.sock")) {
        inbound, outbound in
        let chunk = String(repeating: line, count: 100)
        for _ in 0..<(total / 100) { try await outbound.write(chunk) }
        // Stay connected (closing would drop what NIO still buffers) until the session goes.
        _ = try await RawPeer.readLines(inbound)
      }
      let decoded = DecodeCounter()
      let gate = Gate()
      let (first, firstArrived) = AsyncStream<Void>.makeStream()
      let session = ProtocolSession(
        codec: LineCodec(decoded: decoded),
        configuration: .init(inboundBufferLimit: 4), logger: quietLogger,
        onEvent: { event in
          guard case .message = event else { return }
          firstArrived.yield()
          await gate.wait()
        })
      try await session.connect(to: endpoint)
      for await _ in first { break }

      // While the owner sits on the first message the peer keeps pushing. Sample how many
      // lines the session has decoded until the number stops moving (sampling, not
      // synchronisation: a plateau is the thing being measured). With back-pressure it stops
      // at a few reads' worth; without, it climbs to everything the peer sent.
      var plateau = -1
      var unchanged = 0
      while unchanged < 6 {
        try await Task.sleep(for: .milliseconds(50))
        let now = decoded.count.load(ordering: .relaxed)
        unchanged = now == plateau ? unchanged + 1 : 0
        plateau = now
      }
      #expect(plateau > 0)
      #expect(plateau < 2_000, "read \(plateau) lines ahead of a blocked owner")
      gate.open()
      _ = try? await session.disconnect()
    }
  }
}

/// Holds callers until opened.
final class Gate: Sendable {
  private let state = NIOLockedValueBox<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>(
    (false, []))

  func wait() async {
    await withCheckedContinuation { continuation in
      let proceed = state.withLockedValue { s -> Bool in
        if s.open { return true }
        s.waiters.append(continuation)
        return false
      }
      if proceed { continuation.resume() }
    }
  }

  func open() {
    let waiters = state.withLockedValue { s -> [CheckedContinuation<Void, Never>] in
      s.open = true
      defer { s.waiters = [] }
      return s.waiters
    }
    for waiter in waiters { waiter.resume() }
  }
}
