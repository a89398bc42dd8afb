import NIOConcurrencyHelpers
import NIOCore

/// The reader task's side of a session's pipeline: the batches the ``BatchDecoder`` made,
/// waiting to be taken, and the end of the stream (clean, or the error that ended it) after
/// them.
///
/// It stands in for NIOAsyncChannel's inbound stream. That stream's state machine is generic
/// code the compiler does not specialise across modules, so every batch paid a dozen run-time
/// metadata lookups on top of its locking: about 15% of a lock-step command's instructions
/// (callgrind, `scripts/bench` lock-step). Here the state is one small struct under one lock,
/// specialised for the session's message type.
///
/// Back-pressure: while `limit` batches wait, the ``InboundBufferHandler`` holds back the
/// pipeline's next read, so the peer waits in the kernel; once the reader has taken the
/// buffer down to half, the held read goes out. One consumer at a time.
///
/// With a ``Direct`` handler installed, a batch that arrives while the reader waits with
/// nothing buffered (everything before it has been handled) goes to that handler on the spot,
/// on the channel's loop; only what it leaves is buffered for the reader. That spares the
/// reader task a wake-up per read: a lock-step command's reply is handled in the same loop
/// tick that read it.
final class InboundBuffer<Message: Sendable>: Sendable {
  /// Handles a prefix of a batch without waiting and returns how many messages it took.
  typealias Direct = @Sendable (ArraySlice<Message>) -> Int

  private struct State {
    var batches = CircularBuffer<[Message]>(initialCapacity: 4)
    /// Set once: `.some(nil)` for a clean end, `.some(error)` for the error that ended it.
    var end: (any Error)??
    /// The reader, parked until a batch or the end comes.
    var consumer: CheckedContinuation<Void, Never>?
    /// A read the pipeline asked for while the buffer was full.
    var readHeld = false
    var direct: Direct?
  }

  private enum Step {
    case batch([Message], resumeReading: Bool)
    case end((any Error)?)
    case wait
  }

  let channel: any Channel
  private let limit: Int
  private let state = NIOLockedValueBox(State())

  /// - Parameter limit: how many batches may wait before reading stops (at least 2).
  init(channel: any Channel, limit: Int) {
    self.channel = channel
    self.limit = max(2, limit)
  }

  // MARK: - Reader side

  /// The next batch in the order the socket delivered them; `nil` after a clean end.
  /// - Throws: the error that ended the stream (a decode or I/O error), after every batch
  ///   that came before it.
  func next() async throws -> [Message]? {
    while true {
      switch state.withLockedValue({ take(&$0) }) {
      case .batch(let batch, let resumeReading):
        if resumeReading { channel.read() }
        return batch
      case .end(let error?):
        throw error
      case .end(nil):
        return nil
      case .wait:
        await withCheckedContinuation { (consumer: CheckedContinuation<Void, Never>) in
          let now = state.withLockedValue { s -> Bool in
            if !s.batches.isEmpty || s.end != nil { return true }
            s.consumer = consumer
            return false
          }
          if now { consumer.resume() }
        }
      }
    }
  }

  private func take(_ s: inout State) -> Step {
    if let batch = s.batches.popFirst() {
      let resume = s.readHeld && s.batches.count <= limit / 2
      if resume { s.readHeld = false }
      return .batch(batch, resumeReading: resume)
    }
    if let end = s.end { return .end(end) }
    return .wait
  }

  /// Installs (or with `nil` removes) the handler that takes batches on the spot; see the
  /// type's description.
  func deliverDirectly(_ direct: Direct?) {
    state.withLockedValue { $0.direct = direct }
  }

  // MARK: - Pipeline side (on the channel's loop)

  func append(_ batch: [Message]) {
    // The reader parked with nothing buffered has handled everything before this batch, and
    // stays parked while the handler runs (only this loop wakes it), so the order holds.
    let direct = state.withLockedValue { s -> Direct? in
      guard s.end == nil, s.batches.isEmpty, s.consumer != nil else { return nil }
      return s.direct
    }
    var rest = batch[...]
    if let direct {
      rest = rest.dropFirst(direct(rest))
      if rest.isEmpty { return }
    }
    let consumer = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
      guard s.end == nil else { return nil }
      s.batches.append(rest.count == batch.count ? batch : Array(rest))
      defer { s.consumer = nil }
      return s.consumer
    }
    consumer?.resume()
  }

  /// Ends the stream after what is buffered; only the first end counts.
  func finish(_ error: (any Error)?) {
    let consumer = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
      guard s.end == nil else { return nil }
      s.end = .some(error)
      s.direct = nil
      defer { s.consumer = nil }
      return s.consumer
    }
    consumer?.resume()
  }

  /// Whether the pipeline's read must wait for the reader (the buffer is full); the reader
  /// then issues it once it has made room.
  func holdsRead() -> Bool {
    state.withLockedValue { s in
      guard s.end == nil, s.batches.count >= limit else { return false }
      s.readHeld = true
      return true
    }
  }
}
