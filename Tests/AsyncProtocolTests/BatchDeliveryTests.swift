import AsyncProtocol
import NIOConcurrencyHelpers
import Testing

/// `onMessages`: after the handshake, the messages of a read reach the owner in one call, in
/// order, through the inbound hook; failures still come as `.failed` events.
@Suite struct BatchDeliveryTests {
  /// Records every batch handed to `onMessages`, and yields its lines to a stream.
  private final class Batches: Sendable {
    let sizes = NIOLockedValueBox<[Int]>([])
    let lines: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() { (lines, continuation) = AsyncStream.makeStream() }

    var handler: ProtocolSession<LineCodec>.BatchHandler {
      { [sizes, continuation] batch in
        sizes.withLockedValue { $0.append(batch.count) }
        for line in batch { continuation.yield(line) }
      }
    }

    func next(_ count: Int) async -> [String] { await firstElements(lines, count: count) }
  }

  @Test func messagesAfterTheHandshakeComeAsBatchesInOrder() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let lines = (1...500).map { "event \($0)" }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/b.sock")) {
        inbound, outbound in
        // The greeting and a burst in one write: the handshake takes the first line, the
        // owner gets the rest.
        try await outbound.write("greeting\n" + lines.joined(separator: "\n") + "\n")
        return try await RawPeer.readLines(inbound)
      }
      let inbox = Inbox()
      let batches = Batches()
      let greeting = NIOLockedValueBox<String?>(nil)
      let session = ProtocolSession(
        codec: LineCodec(), logger: quietLogger,
        handshake: { channel in
          let first = try await channel.receive()
          greeting.withLockedValue { $0 = first }
        },
        onMessages: batches.handler, onEvent: inbox.handler)
      session.setInboundHook { $0.hasSuffix("0") ? nil : $0.uppercased() }
      try await session.connect(to: endpoint)
      let expected = lines.filter { !$0.hasSuffix("0") }.map { $0.uppercased() }
      #expect(await batches.next(expected.count) == expected)
      #expect(greeting.withLockedValue { $0 } == "GREETING")
      // Fewer calls than messages: whole reads were handed over at once.
      let sizes = batches.sizes.withLockedValue { $0 }
      #expect(sizes.count < expected.count)
      #expect(sizes.reduce(0, +) == expected.count)
      try await session.disconnect()
      #expect(try await peer.value == [])
    }
  }

  @Test func aDecoderErrorComesAfterTheMessagesBeforeIt() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/e.sock")) {
        inbound, outbound in
        try await outbound.write("one\ntwo\n" + String(repeating: "x", count: 100) + "\nthree\n")
        return try await RawPeer.readLines(inbound)
      }
      let inbox = Inbox()
      let batches = Batches()
      let session = ProtocolSession(
        codec: LineCodec(maximumLength: 50), logger: quietLogger,
        onMessages: batches.handler, onEvent: inbox.handler)
      try await session.connect(to: endpoint)
      #expect(await batches.next(2) == ["one", "two"])
      #expect(await inbox.failure() is LineTooLongError)
      await #expect(throws: LineTooLongError.self) { try await session.disconnect() }
      #expect(batches.sizes.withLockedValue { $0.reduce(0, +) } == 2)
      _ = try await peer.value
    }
  }

  @Test func aLineCutOffAtTheEndIsATruncation() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/t.sock")) {
        inbound, outbound in
        try await outbound.write("whole\nhalf")
        return 0
      }
      let inbox = Inbox()
      let batches = Batches()
      let session = ProtocolSession(
        codec: LineCodec(), logger: quietLogger, onMessages: batches.handler,
        onEvent: inbox.handler)
      try await session.connect(to: endpoint)
      #expect(await batches.next(1) == ["whole"])
      #expect(await inbox.failure() as? TruncatedLineError == TruncatedLineError(leftover: 4))
      await #expect(throws: TruncatedLineError.self) { try await session.disconnect() }
      _ = try await peer.value
    }
  }
}
