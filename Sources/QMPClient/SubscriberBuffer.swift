import NIOConcurrencyHelpers

/// The bounded single-consumer queue behind every subscription.
///
/// The router offers items one at a time or a run at once (from the session's reader); the
/// subscriber's task
/// takes them with `next()`, or everything buffered at once with `nextBatch(reusing:)`. What
/// happens when it is full is the ``OverflowPolicy``.
///
/// A waiting consumer is only woken up; it then takes what is there itself. So a consumer
/// that reads in batches pays for one wake-up per burst, not one per item: during an event
/// flood the reader keeps appending while the consumer is busy with the previous batch.
///
/// A consumer may also install an ``Immediate`` handler: items offered while it waits with
/// nothing buffered go to that handler at once, on the producer's thread, instead of waking
/// it (a lock-step reply is then printed in the event-loop tick that read it). While the
/// handler runs, later items are buffered and the consumer is not woken, so items are never
/// handled twice at once or out of order; once it returns, a consumer with items waiting is
/// woken as usual.
final class SubscriberBuffer<Element: Sendable>: Sendable {
  /// Handles items on the producer's thread; returns false when the consumer is done (the
  /// buffer is then cancelled, as by ``cancel()``). Must not block for long: it holds up the
  /// producer, which is the session's event loop.
  typealias Immediate = @Sendable ([Element]) -> Bool

  private struct State {
    var items: [Element] = []
    var head = 0
    var dropped = 0
    var unreportedDrops = 0
    var finished = false
    /// The consumer, parked until an item or the end comes; resumed with no value.
    var consumer: CheckedContinuation<Void, Never>?
    var producers: [CheckedContinuation<Void, Never>] = []
    var immediate: Immediate?
    /// The immediate handler is running: the consumer must neither be woken nor take items.
    var delivering = false
    /// The consumer's task was cancelled while the immediate handler ran: wake it after.
    var wakeAfterDelivery = false

    var count: Int { items.count - head }

    /// The immediate handler, marked as running, when the next items may go to it: the
    /// consumer waits with nothing buffered (so everything before them has been handled).
    mutating func beginHandOver() -> Immediate? {
      guard let immediate, !delivering, consumer != nil, count == 0, unreportedDrops == 0,
        !finished
      else { return nil }
      delivering = true
      return immediate
    }

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

    mutating func takeConsumer() -> CheckedContinuation<Void, Never>? {
      if delivering { return nil }
      defer { consumer = nil }
      return consumer
    }
  }

  private enum Step {
    case done(CheckedContinuation<Void, Never>?)
    case handOver(Immediate)
    case wait
  }

  private enum Take<Value> {
    /// A value plus the producers to wake.
    case ready(Value, [CheckedContinuation<Void, Never>])
    /// Finished and drained, cancelled, or another consumer is waiting.
    case end
    /// Nothing yet.
    case empty
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

  /// Whether a consumer waits for items (for tests of the immediate hand-over).
  var consumerIsWaiting: Bool { state.withLock { $0.consumer != nil } }

  /// Installs the handler that takes items while the consumer waits (see the type's
  /// description); `nil` removes it.
  func handleImmediately(_ immediate: Immediate?) {
    state.withLock { $0.immediate = immediate }
  }

  /// Runs the immediate handler on `items`, then lets the consumer have what came meanwhile.
  private func handOver(_ items: [Element], to immediate: Immediate) {
    let keepGoing = items.isEmpty || immediate(items)
    let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
      state.delivering = false
      let wake = state.wakeAfterDelivery
      state.wakeAfterDelivery = false
      guard wake || state.count > 0 || state.unreportedDrops > 0 || state.finished else {
        return nil
      }
      return state.takeConsumer()
    }
    consumer?.resume()
    if !keepGoing { cancel() }
  }

  /// Adds `item` if that needs no waiting (there is room, or the policy drops the oldest);
  /// false when the caller must use ``offer(_:)`` (full, `.suspendReader`). A plain function
  /// on purpose: the router delivers a flood of events through it without an async call
  /// (and the executor check that comes with each) per event.
  func offerNow(_ item: Element) -> Bool {
    let step = state.withLock { state -> Step in
      if state.finished { return .done(nil) }
      if let immediate = state.beginHandOver() { return .handOver(immediate) }
      if state.count < limit {
        state.items.append(item)
        return .done(state.takeConsumer())
      }
      guard policy == .dropOldest else { return .wait }
      _ = state.popFirst()
      state.items.append(item)
      state.dropped += 1
      state.unreportedDrops += 1
      return .done(state.takeConsumer())
    }
    switch step {
    case .done(let consumer):
      consumer?.resume()
      return true
    case .handOver(let immediate):
      handOver([item], to: immediate)
      return true
    case .wait:
      return false
    }
  }

  /// Adds, in order and under one lock, as many of the items `make` makes from `sources` as
  /// fit without waiting (all of them under `.dropOldest`); returns how many sources it
  /// took. A source for which `make` returns nil is skipped (and counts as taken). Once
  /// finished, takes (drops) all. Making the items under the lock saves building them in an
  /// array first and copying that (an event flood passes a million through here).
  func offerNow<Source>(from sources: ArraySlice<Source>, _ make: (Source) -> Element?) -> Int {
    if let immediate = state.withLock({ $0.beginHandOver() }) {
      handOver(sources.compactMap(make), to: immediate)
      return sources.count
    }
    let (taken, consumer) = state.withLock {
      state -> (Int, CheckedContinuation<Void, Never>?) in
      if state.finished { return (sources.count, nil) }
      var index = sources.startIndex
      while index < sources.endIndex {
        if state.count >= limit {
          guard policy == .dropOldest else { break }
          _ = state.popFirst()
          state.dropped += 1
          state.unreportedDrops += 1
        }
        if let item = make(sources[index]) { state.items.append(item) }
        index += 1
      }
      let taken = index - sources.startIndex
      return (taken, taken > 0 ? state.takeConsumer() : nil)
    }
    consumer?.resume()
    return taken
  }

  /// Adds the items `make` makes from `sources`, in order; with `.suspendReader` waits for
  /// room as often as needed (the consumer frees half the buffer before it wakes the
  /// producer, so each wait makes room for many).
  func offer<Source>(from sources: ArraySlice<Source>, _ make: (Source) -> Element?) async {
    var rest = sources
    while true {
      rest = rest.dropFirst(offerNow(from: rest, make))
      if rest.isEmpty { return }
      await waitForRoom()
    }
  }

  /// Suspends a `.suspendReader` producer until the consumer made room or the buffer ended.
  private func waitForRoom() async {
    await withCheckedContinuation { (producer: CheckedContinuation<Void, Never>) in
      let resumeNow = state.withLock { state -> Bool in
        if state.finished || state.count < limit { return true }
        state.producers.append(producer)
        return false
      }
      if resumeNow { producer.resume() }
    }
  }

  /// Adds `item`; with `.suspendReader` waits while the buffer is full.
  func offer(_ item: Element) async {
    while !offerNow(item) { await waitForRoom() }
  }

  /// No more items will come; the consumer gets what is buffered, then the end. A producer
  /// waiting for room gives up.
  func finish() {
    let (consumer, producers) = state.withLock {
      state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
      state.finished = true
      state.immediate = nil
      defer { state.producers = [] }
      return (state.takeConsumer(), state.producers)
    }
    consumer?.resume()
    for producer in producers { producer.resume() }
  }

  /// Appends `item` even if the buffer is full (one over the limit), then finishes: for the
  /// final entry of a transcript, which must arrive without making anybody wait.
  func finish(last item: Element) {
    let (consumer, producers) = state.withLock {
      state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
      guard !state.finished else { return (nil, []) }
      state.finished = true
      state.immediate = nil
      state.items.append(item)
      defer { state.producers = [] }
      return (state.takeConsumer(), state.producers)
    }
    consumer?.resume()
    for producer in producers { producer.resume() }
  }

  /// The consumer went away: drop everything and release a waiting producer.
  func cancel() {
    let (consumer, producers) = state.withLock {
      state -> (CheckedContinuation<Void, Never>?, [CheckedContinuation<Void, Never>]) in
      state.finished = true
      state.immediate = nil
      state.items.removeAll()
      state.head = 0
      defer { state.producers = [] }
      return (state.takeConsumer(), state.producers)
    }
    consumer?.resume()
    for producer in producers { producer.resume() }
  }

  /// The next item; nil once finished and drained, or when the calling task is cancelled.
  /// One consumer at a time: a second concurrent call returns nil.
  func next() async -> Element? {
    while true {
      switch state.withLock({ takeOne(&$0) }) {
      case .ready(let item, let producers):
        for producer in producers { producer.resume() }
        return item
      case .end:
        return nil
      case .empty:
        await park()
      }
    }
  }

  /// Everything buffered, oldest first (at least one item); empty once finished and drained,
  /// or when the calling task is cancelled. `spare` is an array the caller is done with: its
  /// storage is reused for the next batch, so a consumer that hands back each batch does not
  /// allocate. One consumer at a time, as with ``next()``.
  func nextBatch(reusing spare: [Element]) async -> [Element] {
    var spare = spare
    spare.removeAll(keepingCapacity: true)
    while true {
      switch state.withLock({ takeAll(&$0, spare: &spare) }) {
      case .ready(let batch, let producers):
        for producer in producers { producer.resume() }
        return batch
      case .end:
        return []
      case .empty:
        await park()
      }
    }
  }

  /// Waits until an item or the end may be there (or the task is cancelled). Returns at once
  /// when there already is something, or when another consumer is parked (the caller's next
  /// take then reports the end).
  private func park() async {
    await withTaskCancellationHandler {
      await withCheckedContinuation { (consumer: CheckedContinuation<Void, Never>) in
        let resumeNow = state.withLock { state -> Bool in
          // Another consumer already waits: this one ends (see `takeAll`).
          if state.consumer != nil { return true }
          // While the immediate handler runs there is nothing to take yet: wait for it.
          if !state.delivering
            && (state.count > 0 || state.unreportedDrops > 0 || state.finished
              || Task.isCancelled)
          {
            return true
          }
          state.consumer = consumer
          return false
        }
        if resumeNow { consumer.resume() }
      }
    } onCancel: {
      let consumer = state.withLock { state -> CheckedContinuation<Void, Never>? in
        // Woken by the immediate handler's end instead (see `handOver`).
        if state.delivering { state.wakeAfterDelivery = true }
        return state.takeConsumer()
      }
      consumer?.resume()
    }
  }

  private func takeOne(_ state: inout State) -> Take<Element> {
    if state.delivering { return state.consumer != nil ? .end : .empty }
    if state.unreportedDrops > 0, let dropMarker {
      let count = state.unreportedDrops
      state.unreportedDrops = 0
      return .ready(dropMarker(count), [])
    }
    if let item = state.popFirst() {
      // Wake a waiting producer only once half the buffer is free: waking it for every item
      // makes producer and consumer ping-pong one element at a time (measured about 3x slower
      // than letting the producer refill a batch).
      let wake = !state.producers.isEmpty && state.count <= limit / 2
      return .ready(item, wake ? [state.producers.removeFirst()] : [])
    }
    if state.finished || state.consumer != nil || Task.isCancelled { return .end }
    return .empty
  }

  private func takeAll(_ state: inout State, spare: inout [Element]) -> Take<[Element]> {
    if state.delivering { return state.consumer != nil ? .end : .empty }
    var marker: Element?
    if state.unreportedDrops > 0, let dropMarker {
      marker = dropMarker(state.unreportedDrops)
      state.unreportedDrops = 0
    }
    if state.count == 0 {
      if let marker { return .ready([marker], []) }
      if state.finished || state.consumer != nil || Task.isCancelled { return .end }
      return .empty
    }
    var batch: [Element]
    if state.head == 0 && marker == nil {
      // Hand over the whole array and keep the caller's spare storage for what comes next.
      swap(&state.items, &spare)
      batch = spare
      spare = []
    } else {
      batch = []
      batch.reserveCapacity(state.count + 1)
      if let marker { batch.append(marker) }
      batch.append(contentsOf: state.items[state.head...])
      state.items.removeAll(keepingCapacity: true)
    }
    state.head = 0
    defer { state.producers = [] }
    return .ready(batch, state.producers)
  }
}
