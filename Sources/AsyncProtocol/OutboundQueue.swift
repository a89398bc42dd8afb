import NIOConcurrencyHelpers
import NIOCore

/// The bounded queue between `send()` and the writer task.
///
/// Senders suspend while it is full; their messages keep the order in which `send()` was
/// called. The single writer takes everything queued at once, so a burst of sends becomes one
/// socket write. `finish()` lets the writer drain what is queued (the normal disconnect);
/// `fail(_:)` drops it and wakes every waiter (the error path).
final class OutboundQueue<Message: Sendable>: Sendable {
  private typealias Taker = CheckedContinuation<[Message]?, Never>

  private struct Waiter {
    let id: UInt64
    let message: Message
    let continuation: CheckedContinuation<Void, any Error>
  }

  private enum Mode {
    case open
    /// No new sends; the writer drains what is queued and then sees the end.
    case finishing
    /// Everything dropped; sends throw this error and the writer sees the end.
    case failed(any Error)
  }

  private struct State {
    var items = CircularBuffer<Message>()
    var waiters = CircularBuffer<Waiter>()
    var taker: Taker?
    var mode = Mode.open
    var nextID: UInt64 = 0
  }

  private enum Outcome {
    case queued(wake: Taker?, batch: [Message])
    case rejected(any Error)
    case mustWait
  }

  private let limit: Int
  private let state = NIOLockedValueBox(State())

  init(limit: Int) {
    self.limit = max(1, limit)
  }

  /// Queues `message`, suspending while the queue is full.
  /// - Parameter timeout: how long to wait for room at most, and the loop whose timer
  ///   enforces it (scheduled only when the queue is full).
  /// - Throws: `closedError` once the queue was finished, the failure once it failed,
  ///   ``SendTimeoutError`` when `timeout` passed without room, or `CancellationError` if
  ///   the calling task is cancelled while waiting for room.
  func enqueue(
    _ message: Message, closedError: @autoclosure () -> any Error,
    timeout: (Duration, any EventLoop)? = nil
  ) async throws {
    let (outcome, id) = state.withLockedValue { s -> (Outcome, UInt64) in
      s.nextID &+= 1
      return (Self.tryAppend(&s, message, limit: limit, closedError: closedError), s.nextID)
    }
    switch outcome {
    case .queued(let taker, let batch):
      taker?.resume(returning: batch)
      return
    case .rejected(let error):
      throw error
    case .mustWait:
      break
    }

    try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Void, any Error>) in
        let outcome = state.withLockedValue { s -> Outcome in
          if Task.isCancelled { return .rejected(CancellationError()) }
          let outcome = Self.tryAppend(&s, message, limit: limit, closedError: closedError)
          if case .mustWait = outcome {
            s.waiters.append(Waiter(id: id, message: message, continuation: continuation))
          }
          return outcome
        }
        switch outcome {
        case .queued(let taker, let batch):
          taker?.resume(returning: batch)
          continuation.resume()
        case .rejected(let error):
          continuation.resume(throwing: error)
        case .mustWait:
          if let (limit, eventLoop) = timeout {
            // Left to fire even if room comes first: it then finds no waiter and does nothing.
            eventLoop.scheduleTask(in: TimeAmount(limit)) {
              self.removeWaiter(id)?.continuation.resume(
                throwing: SendTimeoutError(timeout: limit))
            }
          }
        }
      }
    } onCancel: {
      removeWaiter(id)?.continuation.resume(throwing: CancellationError())
    }
  }

  /// Whether a sender may hand its message to the channel itself instead of queueing it:
  /// only while the queue is open and empty, nobody waits for room, and the writer is parked
  /// (so everything sent earlier is already with the channel). The caller must write before
  /// it leaves the channel's loop, where the writer runs, or the order is lost.
  func mayWriteDirectly() -> Bool {
    state.withLockedValue { s in
      guard case .open = s.mode else { return false }
      return s.taker != nil && s.items.isEmpty && s.waiters.isEmpty
    }
  }

  /// Takes a sender out of the line of those waiting for room.
  private func removeWaiter(_ id: UInt64) -> Waiter? {
    state.withLockedValue { s -> Waiter? in
      guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
      return s.waiters.remove(at: index)
    }
  }

  /// Everything queued, in order; waits while the queue is empty. `nil` once the queue was
  /// finished and drained, or failed.
  func next() async -> [Message]? {
    await withCheckedContinuation { (continuation: Taker) in
      let (batch, admitted) = state.withLockedValue { s -> ([Message]??, [Waiter]) in
        if case .failed = s.mode { return (.some(nil), []) }
        var admitted = Self.admitWaiters(&s, limit: limit)
        if !s.items.isEmpty {
          let batch = Array(s.items)
          s.items.removeAll(keepingCapacity: true)
          // Taking the batch made room: let more waiters in for the next round.
          admitted += Self.admitWaiters(&s, limit: limit)
          return (.some(batch), admitted)
        }
        if case .finishing = s.mode { return (.some(nil), admitted) }
        s.taker = continuation
        return (nil, admitted)
      }
      for waiter in admitted { waiter.continuation.resume() }
      if let batch { continuation.resume(returning: batch) }
    }
  }

  /// No more sends; the writer drains what is already queued (including senders that are
  /// waiting for room) and then gets `nil`.
  func finish() {
    let taker = state.withLockedValue { s -> Taker? in
      guard case .open = s.mode else { return nil }
      s.mode = .finishing
      // A parked writer means nothing is queued and nobody waits: it can end now.
      defer { s.taker = nil }
      return s.taker
    }
    taker?.resume(returning: nil)
  }

  /// Drops everything queued; waiting senders throw `error`, the writer gets `nil`.
  func fail(_ error: any Error) {
    let (taker, waiters) = state.withLockedValue { s -> (Taker?, CircularBuffer<Waiter>) in
      if case .failed = s.mode { return (nil, []) }
      s.mode = .failed(error)
      s.items.removeAll()
      let waiters = s.waiters
      s.waiters.removeAll()
      defer { s.taker = nil }
      return (s.taker, waiters)
    }
    for waiter in waiters { waiter.continuation.resume(throwing: error) }
    taker?.resume(returning: nil)
  }

  /// Appends when there is room and nobody queued ahead; hands the batch to a parked writer.
  private static func tryAppend(
    _ s: inout State, _ message: Message, limit: Int, closedError: () -> any Error
  ) -> Outcome {
    switch s.mode {
    case .failed(let error): return .rejected(error)
    case .finishing: return .rejected(closedError())
    case .open: break
    }
    guard s.items.count < limit, s.waiters.isEmpty else { return .mustWait }
    s.items.append(message)
    guard let taker = s.taker else { return .queued(wake: nil, batch: []) }
    s.taker = nil
    let batch = Array(s.items)
    s.items.removeAll(keepingCapacity: true)
    return .queued(wake: taker, batch: batch)
  }

  /// Moves waiting senders' messages into the queue while there is room.
  private static func admitWaiters(_ s: inout State, limit: Int) -> [Waiter] {
    var admitted: [Waiter] = []
    while s.items.count < limit, let waiter = s.waiters.popFirst() {
      s.items.append(waiter.message)
      admitted.append(waiter)
    }
    return admitted
  }
}
