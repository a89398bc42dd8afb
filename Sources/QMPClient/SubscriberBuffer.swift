import Synchronization

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
  private let state = Mutex(State())

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
    await withTaskCancellationHandler {
      await withCheckedContinuation { (consumer: CheckedContinuation<Element?, Never>) in
        let (now, producer) = state.withLock {
          state -> (Element??, CheckedContinuation<Void, Never>?) in
          if state.unreportedDrops > 0, let dropMarker {
            let count = state.unreportedDrops
            state.unreportedDrops = 0
            return (.some(dropMarker(count)), nil)
          }
          if let item = state.popFirst() {
            let producer = state.producers.isEmpty ? nil : state.producers.removeFirst()
            return (.some(item), producer)
          }
          if state.finished || state.consumer != nil || Task.isCancelled {
            return (.some(nil), nil)
          }
          state.consumer = consumer
          return (.none, nil)
        }
        producer?.resume()
        if let now { consumer.resume(returning: now) }
      }
    } onCancel: {
      let consumer = state.withLock { state -> CheckedContinuation<Element?, Never>? in
        defer { state.consumer = nil }
        return state.consumer
      }
      consumer?.resume(returning: nil)
    }
  }
}
