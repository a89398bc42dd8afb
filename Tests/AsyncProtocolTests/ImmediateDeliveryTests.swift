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
    let entries = NIOLockedValueBox<[String]>([])
    let stream: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation

    init() { (stream, continuation) = AsyncStream.makeStream() }

    func record(_ entry: String) {
      entries.withLockedValue { $0.append(entry) }
      continuation.yield(entry)
    }

    func next(_ count: Int) async -> [String] {
      var result: [String] = []
      for await entry in stream {
        result.append(entry)
        if result.count == count { break }
      }
      return result
    }
  }

  @Test func aReadWithNothingBeforeItIsHandledOnTheEventLoopAtOnce() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/n.sock")) {
        inbound, outbound in
        var reader = LineReader(inbound)
        // Only once connected: a read that comes before the session runs (or before its
        // reader first waits) takes the reader's way, rightly.
        _ = try await reader.next()
        try await outbound.write("one\ntwo\n")
        while try await reader.next() != nil {}
        return 0
      }
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
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/o.sock")) {
        inbound, outbound in
        var reader = LineReader(inbound)
        _ = try await reader.next()
        try await outbound.write("a\nslow\nc\n")
        // The next read only once the owner sits in its slow handler.
        _ = try await reader.next()
        try await outbound.write("b\n")
        while try await reader.next() != nil {}
        return 0
      }
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
