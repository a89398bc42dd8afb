import AsyncProtocol
import NIOConcurrencyHelpers
import NIOPosix
import Testing

/// `onMessagesNow`: a read that arrives while nothing before it is being handled goes to the
/// owner on the event loop at once; what it leaves, and every read that comes while an
/// earlier one is still being handled, goes through `onMessages`, in order.
@Suite struct ImmediateDeliveryTests {
  /// Which path each line took, in the order they were handled.
  private final class Journal: Sendable {
    let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func record(_ entry: String) { continuation.yield(entry) }

    func next(_ count: Int) async -> [String] { await firstElements(stream, count: count) }
  }

  /// A peer that waits for the session's first line before it writes `first`, so that the
  /// session is running and its reader waiting by then (a read that comes earlier rightly
  /// takes the reader's way); then it writes `then` after each further line it reads.
  private func peer(in dir: String, writes first: String, then replies: [String] = [])
    async throws -> (Endpoint, Task<Int, any Error>)
  {
    try await RawPeer.serve(on: .unix(path: "\(dir)/p.sock")) { inbound, outbound in
      var reader = LineReader(inbound)
      _ = try await reader.next()
      try await outbound.write(first)
      var replies = replies[...]
      while try await reader.next() != nil {
        if let reply = replies.popFirst() { try await outbound.write(reply) }
      }
      return 0
    }
  }

  @Test func aReadWithNothingBeforeItIsHandledOnTheEventLoopAtOnce() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await peer(in: dir, writes: "one\ntwo\n")
      let journal = Journal()
      let onLoop = NIOLockedValueBox<[Bool]>([])
      let session = ProtocolSession(
        codec: LineCodec(), logger: quietLogger,
        onMessages: { batch in for line in batch { journal.record("later \(line)") } },
        onMessagesNow: { batch in
          onLoop.withLockedValue { $0.append(MultiThreadedEventLoopGroup.currentEventLoop != nil) }
          for line in batch { journal.record("now \(line)") }
          return batch.count
        },
        onEvent: { _ in })
      try await session.connect(to: endpoint)
      try await session.send("hello")
      #expect(await journal.next(2) == ["now one", "now two"])
      #expect(onLoop.withLockedValue { $0 }.allSatisfy { $0 })
      try await session.disconnect()
      _ = try await peer.value
    }
  }

  @Test func whatTheFastPathLeavesAndLaterReadsKeepTheirOrder() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      // "b" only once the owner sits in its slow handler (the session says "more" then).
      let (endpoint, peer) = try await peer(in: dir, writes: "a\nslow\nc\n", then: ["b\n"])
      let journal = Journal()
      let decoded = DecodeCounter()
      let entered = AsyncStream<Void>.makeStream()
      let gate = Gate()
      let session = ProtocolSession(
        codec: LineCodec(decoded: decoded), logger: quietLogger,
        onMessages: { batch in
          for line in batch {
            if line == "slow" {
              entered.continuation.yield()
              await gate.wait()
            }
            journal.record("later \(line)")
          }
        },
        onMessagesNow: { batch in
          // Takes everything up to "slow"; "slow" and what follows it go the other way.
          let taken = batch.prefix { $0 != "slow" }
          for line in taken { journal.record("now \(line)") }
          return taken.count
        },
        onEvent: { _ in })
      try await session.connect(to: endpoint)
      try await session.send("hello")
      for await _ in entered.stream { break }
      try await session.send("more")
      for await line in decoded.lines where line == "b" { break }
      // The read that decoded "b" has reached the session's buffer once the loop is past it.
      try await session.eventLoop.submit {}.get()
      gate.open()
      #expect(await journal.next(4) == ["now a", "later slow", "later c", "later b"])
      try await session.disconnect()
      _ = try await peer.value
    }
  }
}
