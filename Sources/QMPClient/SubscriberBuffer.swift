import NIOConcurrencyHelpers

/// The bounded single-consumer queue behind every subscription.
///
/// The router offers items one at a time (from the session's reader); the subscriber's task
/// takes them with `next()`. What happens when it is full is the ``OverflowPolicy``.
final class SubscriberBuffer<Element: Sendable>: Sendable {
  private struct State {
    var items: [Element] = []
    var head = 0
    var dropped = 0
    var unreportedDrops = 0
    var finished = false
    var consumer: CheckedContinuation<Element?, Never>?
    var producers: [CheckedContinuation<Void, Never>] = []

    var count: Int { items.count - head }

    mutating func popFirst() -> Element? {
      guard head < items.count else { return nil }
      let item = items[head]
      head += 1
      if head == items.count {
        items.removeAll(keepingCapacity: true)
        head = 0
      } else if head >= 1024 && head * 2 >= items.count {
        items.removeFirst(head)
        head = 0
      }
      return item
    }
  }

  private enum Step {
    case done
    case handOver(CheckedContinuation<Element?, Never>)
    case wait
  }

  let limit: Int
  let policy: OverflowPolicy
  /// Makes the entry that reports a gap (transcripts); nil for plain event subscriptions.
  private let dropMarker: (@Sendable (Int) -> Element)?
  private let state = NIOLockedValueBox(State())

  init(limit: Int, policy: OverflowPolicy, dropMarker: (@Sendable (Int) -> Element)?) {
    self.limit = max(1, limit)
    self.policy = policy
    self.dropMarker = dropMarker
  }

  var droppedCount: Int { state.withLock { $0.dropped } }

  /// Adds `item`; with `.suspendReader` waits while the buffer is full.
  func offer(_ item: Element) async {
    while true {
      let step = state.withLock { state -> Step in
        if state.finished { return .done }
        if let consumer = state.consumer {
          state.consumer = nil
          return .handOver(consumer)
        }
        if state.count < limit {
          state.items.append(item)
          return .done
        }
        switch policy {
        case .dropOldest:
          _ = state.popFirst()
          state.items.append(item)
          state.dropped += 1
          state.unreportedDrops += 1
          return .done
        case .suspendReader:
          return .wait
        }
      }
      switch step {
      case .done: return
      case .handOver(let consumer):
        consumer.resume(returning: item)
        return
      case .wait:
        await withCheckedContinuation { (producer: CheckedContinuation<Void, Never>) in
          let resumeNow = state.withLock { state -> Bool in
            if state.finished || state.count < limit { return true }
            state.producers.append(producer)
            return false
          }
          if resumeNow { producer.resume() }
        }
      }
    }
  }

  /// No more items will come; the consumer gets what is buffered, then nil. A producer
  /// waiting for room gives up.
  func finish() {
    let (consumer, producers) = state.withLock {
      state -> (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) in
      state.finished = true
      defer {
        state.consumer = nil
        state.producers = []
      }
      return (state.count == 0 ? state.consumer : nil, state.producers)
    }
    consumer?.resume(returning: nil)
    for producer in producers { producer.resume() }
  }

  /// Appends `item` even if the buffer is full (one over the limit), then finishes: for the
  /// final entry of a transcript, which must arrive without making anybody wait.
  func finish(last item: Element) {
    let (consumer, producers) = state.withLock {
      state -> (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) in
      guard !state.finished else { return (nil, []) }
      state.finished = true
      defer {
        state.consumer = nil
        state.producers = []
      }
      if state.consumer == nil { state.items.append(item) }
      return (state.consumer, state.producers)
    }
    consumer?.resume(returning: item)
    for producer in producers { producer.resume() }
  }

  /// The consumer went away: drop everything and release a waiting producer.
  func cancel() {
    let (consumer, producers) = state.withLock {
      state -> (CheckedContinuation<Element?, Never>?, [CheckedContinuation<Void, Never>]) in
      state.finished = true
      state.items.removeAll()
      state.head = 0
      defer {
        state.consumer = nil
        state.producers = []
      }
      return (state.consumer, state.producers)
    }
    consumer?.resume(returning: nil)
    for producer in producers { producer.resume() }
  }

  /// The next item; nil once finished and drained, or when the calling task is cancelled.
  /// One consumer at a time: a second concurrent call returns nil.
  func next() async -> Element? {
    // Fast path: something is buffered, so no continuation is needed.
    if case .ready(let item, let producer) = state.withLock({ take(&$0, waiter: nil) }) {
      producer?.resume()
      return item
    }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (consumer: CheckedContinuation<Element?, Never>) in
        switch state.withLock({ take(&$0, waiter: consumer) }) {
        case .ready(let item, let producer):
          producer?.resume()
          consumer.resume(returning: item)
        case .waiting:
          break
        }
      }
    } onCancel: {
      let consumer = state.withLock { state -> CheckedContinuation<Element?, Never>? in
        defer { state.consumer = nil }
        return state.consumer
      }
      consumer?.resume(returning: nil)
    }
  }

  private enum Take {
    /// An item (or nil: the end) plus a producer to wake.
    case ready(Element?, CheckedContinuation<Void, Never>?)
    /// Nothing yet; the waiter was parked (or there was none to park).
    case waiting
  }

  /// Takes the next item; when there is none, parks `waiter` (if given) as the consumer.
  private func take(_ state: inout State, waiter: CheckedContinuation<Element?, Never>?) -> Take {
    if state.unreportedDrops > 0, let dropMarker {
      let count = state.unreportedDrops
      state.unreportedDrops = 0
      return .ready(dropMarker(count), nil)
    }
    if let item = state.popFirst() {
      // Wake a waiting producer only once half the buffer is free: waking it for every item
      // makes producer and consumer ping-pong one element at a time (measured about 3x slower
      // than letting the producer refill a batch).
      let wake = !state.producers.isEmpty && state.count <= limit / 2
      return .ready(item, wake ? state.producers.removeFirst() : nil)
    }
    if state.finished || state.consumer != nil || Task.isCancelled { return .ready(nil, nil) }
    guard let waiter else { return .waiting }
    state.consumer = waiter
    return .waiting
  }
}
