import AsyncProtocol
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Flushing, ordering under volume, races with disconnect, back-pressure and accept's single
/// peer.
@Suite(.serialized) struct VolumeTests {
  @Test func normalDisconnectFlushesEveryQueuedMessage() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/f.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession(queueLimit: 64)
      try await session.connect(to: endpoint)
      let count = 20_000
      for i in 0..<count { try await session.send("m\(i)") }
      // Most of these are still queued or in flight; disconnect must not drop them.
      try await session.disconnect()
      let received = try await peer.value
      #expect(received.count == count)
      #expect(received == (0..<count).map { "m\($0)" })
    }
  }

  @Test func hundredThousandMessagesEachWayInOneSession() async throws {
    try await withTimeout(.seconds(90)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let endpoint = Endpoint.unix(path: "\(dir)/v.sock")
      let count = 100_000
      let server = OrderChecker()
      let client = OrderChecker()
      let serverSession = ProtocolSession(
        codec: LineCodec(), logger: quietLogger, onEvent: server.handler)
      let clientSession = ProtocolSession(
        codec: LineCodec(), logger: quietLogger, onEvent: client.handler)
      let (listening, ready) = AsyncStream<Void>.makeStream()
      async let accepted: Void = serverSession.accept(on: endpoint) { _ in ready.yield() }
      for await _ in listening { break }
      try await clientSession.connect(to: endpoint)
      try await accepted

      let start = ContinuousClock.now
      async let clientSends: Void = {
        for i in 0..<count { try await clientSession.send(String(i)) }
      }()
      async let serverSends: Void = {
        for i in 0..<count { try await serverSession.send(String(i)) }
      }()
      try await clientSends
      try await serverSends
      await server.waitFor(count)
      await client.waitFor(count)
      let elapsed = ContinuousClock.now - start
      print("2 x \(count) messages in \(elapsed)")

      #expect(server.state.withLockedValue { $0 } == OrderChecker.State(next: count, disorder: 0))
      #expect(client.state.withLockedValue { $0 } == OrderChecker.State(next: count, disorder: 0))
      try await clientSession.disconnect()
      #expect(await server.failures.first(where: { _ in true }) is PeerClosedError)
      await #expect(throws: PeerClosedError.self) { try await serverSession.disconnect() }
    }
  }

  @Test func disconnectRacingSendsLosesNothingThatWasAccepted() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/r.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession(queueLimit: 16)
      try await session.connect(to: endpoint)
      let (progress, tick) = AsyncStream<Void>.makeStream()
      let senders = (0..<8).map { sender in
        Task { () -> (accepted: [String], error: (any Error)?) in
          var accepted: [String] = []
          for i in 0..<5_000 {
            let message = "\(sender):\(i)"
            do {
              try await session.send(message)
            } catch {
              return (accepted, error)
            }
            accepted.append(message)
            if i == 100 { tick.yield() }
          }
          return (accepted, nil)
        }
      }
      var started = 0
      for await _ in progress {
        started += 1
        if started == 2 { break }
      }
      try await session.disconnect()

      var accepted: [String] = []
      for sender in senders {
        let result = await sender.value
        accepted += result.accepted
        if let error = result.error {
          #expect(error is StateError || error is SessionClosedError, "unexpected \(error)")
        }
      }
      let received = try await peer.value
      #expect(Set(received) == Set(accepted))
      #expect(received.count == accepted.count)
      // Each sender's messages arrive in the order it sent them.
      for sender in 0..<8 {
        let mine = received.filter { $0.hasPrefix("\(sender):") }
        #expect(
          mine
            == mine.sorted { Int($0.split(separator: ":")[1])! < Int($1.split(separator: ":")[1])! }
        )
      }
    }
  }

  @Test func sendWaitsForRoomWhenThePeerDoesNotRead() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (go, goSignal) = AsyncStream<Void>.makeStream()
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/p.sock")) {
        inbound, _ in
        for await _ in go { break }
        return try await RawPeer.readLines(inbound).count
      }
      let (session, _) = makeSession(queueLimit: 2, codec: LineCodec(maximumLength: 2_000_000))
      try await session.connect(to: endpoint)
      let megabyte = String(repeating: "b", count: 1_000_000)
      let total = 200
      let (progress, tick) = AsyncStream<Int>.makeStream()
      let sender = Task { () -> (sent: Int, error: (any Error)?) in
        var sent = 0
        do {
          for _ in 0..<total {
            try await session.send(megabyte)
            sent += 1
            tick.yield(sent)
          }
        } catch {
          return (sent, error)
        }
        return (sent, nil)
      }
      // Let a few through, then cancel: a sender that never waits would never notice.
      for await sent in progress where sent >= 3 { break }
      sender.cancel()
      let (sent, error) = await sender.value
      #expect(error is CancellationError)
      #expect(sent < total)
      goSignal.yield()
      try await session.disconnect()
      // Every send that returned was delivered; the cancelled one was not.
      #expect(try await peer.value == sent)
    }
  }

  @Test(arguments: ["unix", "tcp"])
  func acceptTakesOnePeerAndRefusesTheNext(transport: String) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let requested: Endpoint =
        transport == "unix" ? .unix(path: "\(dir)/one.sock") : .tcp(host: "127.0.0.1", port: 0)
      let (session, inbox) = makeSession()
      let (bound, boundSignal) = AsyncStream<Endpoint>.makeStream()
      let accepting = Task {
        try await session.accept(on: requested) { actual in boundSignal.yield(actual) }
      }
      var actual = requested
      for await reported in bound {
        actual = reported
        break
      }
      let endpoint = actual
      let first = Task {
        try await RawPeer.dial(endpoint) { inbound, outbound in
          try await outbound.write("first\n")
          return try await RawPeer.readLines(inbound)
        }
      }
      try await accepting.value
      #expect(try await inbox.messages(1) == ["first"])
      await #expect(throws: (any Error).self) {
        try await RawPeer.dial(endpoint) { _, _ in }
      }
      try await session.send("only you")
      try await session.disconnect()
      #expect(try await first.value == ["only you"])
    }
  }
}

/// Checks that messages "0", "1", "2", … arrive complete and in order, without storing them.
private final class OrderChecker: Sendable {
  struct State: Equatable {
    var next = 0
    var disorder = 0
  }

  let state = NIOLockedValueBox(State())
  let failures: AsyncStream<any Error>
  private let failed: AsyncStream<any Error>.Continuation
  private let counts: AsyncStream<Int>
  private let counted: AsyncStream<Int>.Continuation

  init() {
    (failures, failed) = AsyncStream.makeStream()
    (counts, counted) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
  }

  var handler: @Sendable (SessionEvent<String>) async -> Void {
    { [self] event in
      switch event {
      case .message(let text):
        let next = state.withLockedValue { s -> Int in
          if Int(text) != s.next { s.disorder += 1 }
          s.next += 1
          return s.next
        }
        counted.yield(next)
      case .failed(let error):
        failed.yield(error)
      }
    }
  }

  func waitFor(_ count: Int) async {
    if state.withLockedValue({ $0.next }) >= count { return }
    for await seen in counts where seen >= count { return }
  }
}

@Suite struct AbandonedFlushTests {
  @Test func cancellingDisconnectAbandonsAFlushThePeerNeverTakes() async throws {
    try await withTimeout(.seconds(30)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (release, releaseSignal) = AsyncStream<Void>.makeStream()
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/n.sock")) { _, _ in
        // Neither read nor hang up until the test is over.
        for await _ in release { break }
      }
      let (session, _) = makeSession(queueLimit: 4, codec: LineCodec(maximumLength: 2_000_000))
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      let megabyte = String(repeating: "q", count: 1_000_000)
      // Far more than the socket buffers hold, so the flush cannot finish.
      let (progress, tick) = AsyncStream<Void>.makeStream()
      let filler = Task {
        for _ in 0..<64 {
          try await session.send(megabyte)
          tick.yield()
        }
      }
      var queued = 0
      for await _ in progress {
        queued += 1
        if queued == 4 { break }
      }
      let closing = Task { try await session.disconnect() }
      await waitFor(session, .disconnecting)
      closing.cancel()
      _ = try? await closing.value
      #expect(session.runstate == .idle)
      _ = try? await filler.value
      releaseSignal.yield()
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }
}
