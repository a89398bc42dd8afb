import NIOConcurrencyHelpers
import QMPTestSupport
import Testing

@testable import QMPClient

/// `SubscriberBuffer.handleImmediately`: items offered while the consumer waits with nothing
/// buffered go to the handler at once; never to both at once, never out of order.
@Suite struct SubscriberBufferImmediateTests {
  private typealias Buffer = SubscriberBuffer<Int>

  /// Starts a consumer that takes one batch, and returns once it waits.
  private func waitingConsumer(_ buffer: Buffer) async -> Task<[Int], Never> {
    let consumer = Task { await buffer.nextBatch(reusing: []) }
    while !buffer.consumerIsWaiting { await Task.yield() }
    return consumer
  }

  @Test func whileTheConsumerWaitsItemsGoToTheHandlerAtOnce() async throws {
    try await withTimeout(.seconds(10)) {
      let buffer = Buffer(limit: 8, policy: .suspendReader, dropMarker: nil)
      let handled = NIOLockedValueBox<[Int]>([])
      buffer.handleImmediately { items in
        handled.withLockedValue { $0 += items }
        return true
      }
      let consumer = await waitingConsumer(buffer)
      #expect(buffer.offerNow(1))
      #expect(buffer.offerNow(from: [2, 3][...]) { $0 } == 2)
      #expect(handled.withLockedValue { $0 } == [1, 2, 3], "handled before offerNow returned")
      #expect(buffer.consumerIsWaiting, "the consumer was not woken")
      buffer.finish()
      #expect(await consumer.value == [])
    }
  }

  @Test func whatComesWhileTheHandlerRunsWaitsForTheConsumerInOrder() async throws {
    try await withTimeout(.seconds(10)) {
      let buffer = Buffer(limit: 8, policy: .suspendReader, dropMarker: nil)
      let handled = NIOLockedValueBox<[Int]>([])
      let stillWaiting = NIOLockedValueBox<Bool?>(nil)
      buffer.handleImmediately { [buffer] items in
        handled.withLockedValue { $0 += items }
        if items == [1] {
          // Another producer's items while this runs: buffered, consumer not woken yet.
          _ = buffer.offerNow(2)
          _ = buffer.offerNow(3)
          stillWaiting.withLockedValue { $0 = buffer.consumerIsWaiting }
        }
        return true
      }
      let consumer = await waitingConsumer(buffer)
      #expect(buffer.offerNow(1))
      #expect(await consumer.value == [2, 3])
      #expect(handled.withLockedValue { $0 } == [1])
      #expect(stillWaiting.withLockedValue { $0 } == true)
    }
  }

  @Test func aHandlerThatReturnsFalseEndsTheBuffer() async throws {
    try await withTimeout(.seconds(10)) {
      let buffer = Buffer(limit: 8, policy: .suspendReader, dropMarker: nil)
      buffer.handleImmediately { _ in false }
      let consumer = await waitingConsumer(buffer)
      #expect(buffer.offerNow(1))
      #expect(await consumer.value == [])
      #expect(await buffer.nextBatch(reusing: []) == [], "ended, not just woken")
    }
  }

  @Test func aConsumerCancelledWhileTheHandlerRunsIsWokenAfterwards() async throws {
    try await withTimeout(.seconds(10)) {
      let buffer = Buffer(limit: 8, policy: .suspendReader, dropMarker: nil)
      let consumerTask = NIOLockedValueBox<Task<[Int], Never>?>(nil)
      buffer.handleImmediately { _ in
        consumerTask.withLockedValue { $0 }?.cancel()
        return true
      }
      let consumer = await waitingConsumer(buffer)
      consumerTask.withLockedValue { $0 = consumer }
      #expect(buffer.offerNow(1))
      #expect(await consumer.value == [])
    }
  }
}
