import AsyncProtocol
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// How a running session fails, and that the first failure is the one reported.
@Suite struct FailureTests {
  @Test func peerClosingMidMessageIsATruncation() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/t.sock")) { _, outbound in
        try await outbound.write("complete\npartial")
      }
      let (session, inbox) = makeSession()
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      #expect(try await inbox.messages(1) == ["complete"])
      #expect(await inbox.failure() as? TruncatedLineError == TruncatedLineError(leftover: 7))
      #expect(session.runstate == .disconnecting)
      await #expect(throws: TruncatedLineError(leftover: 7)) { try await session.disconnect() }
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }

  @Test func endOfFileIsItsOwnErrorAndIsThrownOnce() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/e.sock")) { _, outbound in
        try await outbound.write("last words\n")
      }
      let (session, inbox) = makeSession()
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      #expect(try await inbox.messages(1) == ["last words"])
      let failure = await inbox.failure()
      #expect(failure is PeerClosedError)
      #expect("\(try #require(failure))" == "connection closed by peer")
      await #expect(throws: StateError(current: .disconnecting, required: .running)) {
        try await session.send("into the void")
      }
      await #expect(throws: PeerClosedError()) { try await session.disconnect() }
      try await session.disconnect()
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }

  @Test func inboundMessageOverTheCodecLimit() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/b.sock")) {
        inbound, outbound in
        try await outbound.write("fine\n" + String(repeating: "x", count: 2000) + "\nnever seen\n")
        return try await RawPeer.readLines(inbound)
      }
      let (session, inbox) = makeSession(codec: LineCodec(maximumLength: 1000))
      try await session.connect(to: endpoint)
      #expect(try await inbox.messages(1) == ["fine"])
      #expect(await inbox.failure() is LineTooLongError)
      await #expect(throws: LineTooLongError.self) { try await session.disconnect() }
      #expect(session.runstate == .idle)
    }
  }

  @Test func outboundMessageOverTheCodecLimit() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/o.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (session, inbox) = makeSession(codec: LineCodec(maximumLength: 10))
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      try await session.send("ok")
      try await session.send("far too long for the limit")
      let failure = await inbox.failure()
      #expect(failure as? LineTooLongError == LineTooLongError(length: 26, limit: 10))
      await #expect(throws: LineTooLongError(length: 26, limit: 10)) {
        try await session.disconnect()
      }
      // What was queued before the bad message still reached the peer; none of it did.
      #expect(try await peer.value == ["ok"])
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }

  @Test func readerFailureWinsOverTheWriterItInterrupts() async throws {
    try await withTimeout(.seconds(20)) {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (go, goSignal) = AsyncStream<Void>.makeStream()
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/w.sock")) {
        inbound, outbound in
        // Read nothing until told, so the session's writer and queue back up.
        for await _ in go { break }
        try await outbound.write(String(repeating: "z", count: 150_000))
        return try await RawPeer.readLines(inbound).count
      }
      let (session, inbox) = makeSession(queueLimit: 8, codec: LineCodec(maximumLength: 100_000))
      try await session.connect(to: endpoint)

      let chunk = String(repeating: "m", count: 50_000)
      let (progress, progressSignal) = AsyncStream<Int>.makeStream()
      let sender = Task { () -> (any Error)? in
        do {
          for sent in 1...2000 {
            try await session.send(chunk)
            progressSignal.yield(sent)
          }
        } catch {
          return error
        }
        return nil
      }
      // More than the queue holds: the writer is busy and the queue has been full.
      for await sent in progress where sent >= 9 { break }
      goSignal.yield()

      let failure = await inbox.failure()
      #expect(failure is LineTooLongError)
      await #expect(throws: LineTooLongError.self) { try await session.disconnect() }
      // The sender that was waiting for room was woken, not left hanging.
      let senderError = await sender.value
      #expect(senderError is SessionClosedError || senderError is StateError)
      _ = try await peer.value
    }
  }

  @Test func onEventMayCallDisconnect() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/d.sock")) { _, _ in }
      let owner = Owner()
      let session = ProtocolSession(
        codec: LineCodec(), logger: quietLogger,
        onEvent: { [owner] event in await owner.handle(event) })
      owner.session.withLockedValue { $0 = session }
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      let outcome = await owner.outcome.first(where: { _ in true })
      #expect(try #require(outcome) is PeerClosedError)
      #expect(session.runstate == .idle)
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }
}

/// An owner that disconnects from inside its event handler when the session fails.
private final class Owner: Sendable {
  let session = NIOLockedValueBox<ProtocolSession<LineCodec>?>(nil)
  let outcome: AsyncStream<any Error>
  private let continuation: AsyncStream<any Error>.Continuation

  init() {
    (outcome, continuation) = AsyncStream.makeStream()
  }

  func handle(_ event: SessionEvent<String>) async {
    guard case .failed = event, let session = session.withLockedValue({ $0 }) else { return }
    do {
      try await session.disconnect()
    } catch {
      continuation.yield(error)
    }
  }
}
