import QMPTestSupport
import Testing

@testable import QMPClient

@Suite(.timeLimit(.minutes(1)))
struct SubscriberBufferTests {
  @Test func dropOldestKeepsTheNewestAndReportsTheGap() async {
    let buffer = SubscriberBuffer<Int>(limit: 3, policy: .dropOldest, dropMarker: { -$0 })
    for value in 1...10 { await buffer.offer(value) }
    #expect(buffer.droppedCount == 7)
    buffer.finish()
    var seen: [Int] = []
    while let value = await buffer.next() { seen.append(value) }
    #expect(seen == [-7, 8, 9, 10])
  }

  @Test func suspendReaderHoldsTheProducerUntilThereIsRoom() async throws {
    let buffer = SubscriberBuffer<Int>(limit: 2, policy: .suspendReader, dropMarker: nil)
    await buffer.offer(1)
    await buffer.offer(2)
    let third = AsyncSignal()
    let producer = Task {
      await buffer.offer(3)
      third.fire()
    }
    // The producer cannot finish before a consumer takes something.
    await #expect(throws: TimeoutError.self) {
      try await withTimeout(.milliseconds(100)) { await third.wait() }
    }
    #expect(await buffer.next() == 1)
    try await withTimeout(.seconds(5)) { await producer.value }
    #expect(await buffer.next() == 2)
    #expect(await buffer.next() == 3)
    #expect(buffer.droppedCount == 0)
  }

  @Test func cancelReleasesAWaitingProducerAndEndsTheConsumer() async throws {
    let buffer = SubscriberBuffer<Int>(limit: 1, policy: .suspendReader, dropMarker: nil)
    await buffer.offer(1)
    let producer = Task { await buffer.offer(2) }
    buffer.cancel()
    try await withTimeout(.seconds(5)) { await producer.value }
    #expect(await buffer.next() == nil)
  }

  @Test func waitingConsumerGetsTheNextItemAndCancellationEndsItsWait() async throws {
    let buffer = SubscriberBuffer<Int>(limit: 4, policy: .dropOldest, dropMarker: nil)
    let consumer = Task { await buffer.next() }
    await buffer.offer(42)
    #expect(try await withTimeout(.seconds(5)) { await consumer.value } == 42)
    let cancelled = Task { await buffer.next() }
    cancelled.cancel()
    #expect(try await withTimeout(.seconds(5)) { await cancelled.value } == nil)
  }
}
