import QMPCodec

/// A stream of the events that match one filter, from the moment it was created until the
/// current (or next) connection ends. Bounded: see ``OverflowPolicy``.
///
/// Read it from one task at a time. Dropping the subscription (and its iterator) unsubscribes.
public struct EventSubscription: AsyncSequence, Sendable {
  public typealias Element = QMPEvent

  let handle: SubscriptionHandle<QMPEvent>

  /// Events dropped so far because the buffer was full (``OverflowPolicy/dropOldest``).
  public var droppedCount: Int { handle.buffer.droppedCount }

  /// Stops the subscription now: buffered events are discarded and iteration ends.
  public func cancel() { handle.cancel() }

  public func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

  public struct Iterator: AsyncIteratorProtocol {
    let handle: SubscriptionHandle<QMPEvent>

    public mutating func next() async -> QMPEvent? { await handle.buffer.next() }
  }
}

/// Owns a subscriber's buffer on behalf of its user: when the last copy of the subscription
/// and its iterators is gone, it unsubscribes, so an abandoned listener cannot hold the
/// reader back or keep memory.
final class SubscriptionHandle<Element: Sendable>: Sendable {
  let buffer: SubscriberBuffer<Element>
  private let unsubscribe: @Sendable () -> Void

  init(buffer: SubscriberBuffer<Element>, unsubscribe: @escaping @Sendable () -> Void) {
    self.buffer = buffer
    self.unsubscribe = unsubscribe
  }

  func cancel() {
    unsubscribe()
    buffer.cancel()
  }

  deinit {
    unsubscribe()
    buffer.cancel()
  }
}
