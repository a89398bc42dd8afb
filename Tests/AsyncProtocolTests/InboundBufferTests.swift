import NIOCore
import NIOEmbedded
import Testing

@testable import AsyncProtocol

/// The reader's end of the pipeline, in a real (embedded) pipeline: order, the end after
/// every batch, and reads held back while the buffer is full.
@Suite struct InboundBufferTests {
  /// Counts the reads that get past the buffer's handler towards the socket.
  private final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Never
    var reads = 0

    func read(context: ChannelHandlerContext) {
      reads += 1
      context.read()
    }
  }

  private struct Broken: Error, Equatable {}

  private func pipeline(limit: Int) throws -> (EmbeddedChannel, InboundBuffer<Int>, ReadCounter) {
    let channel = EmbeddedChannel()
    let buffer = InboundBuffer<Int>(channel: channel, limit: limit)
    let counter = ReadCounter()
    try channel.pipeline.syncOperations.addHandlers(counter, InboundBufferHandler(buffer))
    return (channel, buffer, counter)
  }

  @Test func batchesComeInOrderAndTheEndAfterThem() async throws {
    let (channel, buffer, _) = try pipeline(limit: 8)
    try channel.writeInbound([1, 2])
    try channel.writeInbound([3])
    _ = try? channel.finish()
    #expect(try await buffer.next() == [1, 2])
    #expect(try await buffer.next() == [3])
    #expect(try await buffer.next() == nil)
    #expect(try await buffer.next() == nil)
  }

  @Test func anErrorComesAfterTheBatchesBeforeItAndNothingAfter() async throws {
    let (channel, buffer, _) = try pipeline(limit: 8)
    try channel.writeInbound([1])
    channel.pipeline.fireErrorCaught(Broken())
    try channel.writeInbound([2])
    #expect(try await buffer.next() == [1])
    await #expect(throws: Broken.self) { try await buffer.next() }
    _ = try? channel.finish()
    await #expect(throws: Broken.self) { try await buffer.next() }
  }

  @Test func aWaitingReaderGetsTheNextBatch() async throws {
    let (channel, buffer, _) = try pipeline(limit: 8)
    let reader = Task { try await buffer.next() }
    // Whether the reader parked before the batch came or not, it must get it.
    try channel.writeInbound([7])
    #expect(try await reader.value == [7])
    _ = try? channel.finish()
  }

  @Test func aFullBufferHoldsTheNextReadUntilTheReaderTookHalf() async throws {
    let (channel, buffer, counter) = try pipeline(limit: 4)
    channel.read()
    #expect(counter.reads == 1, "a read with room passes")
    for batch in 1...4 { try channel.writeInbound([batch]) }
    channel.read()
    #expect(counter.reads == 1, "a read with 4 of 4 batches waiting is held")
    #expect(try await buffer.next() == [1])
    #expect(counter.reads == 1, "3 batches still wait: more than half")
    #expect(try await buffer.next() == [2])
    #expect(counter.reads == 2, "down to half: the held read goes out")
    #expect(try await buffer.next() == [3])
    #expect(counter.reads == 2, "a read goes out once, not on every take")
    _ = try? channel.finish()
  }
}
