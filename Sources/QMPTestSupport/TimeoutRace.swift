import NIOConcurrencyHelpers

/// The shared state of one ``withTimeout(_:_:operation:)`` call: whichever of the operation,
/// the timer or a cancellation finishes first resumes the caller; the others are ignored.
final class TimeoutRace<T: Sendable>: Sendable {
  private struct State {
    var continuation: CheckedContinuation<T, any Error>?
    var pending: Result<T, any Error>?
    var finished = false
    var worker: Task<Void, Never>?
    var timer: Task<Void, Never>?
  }

  private let state = NIOLockedValueBox(State())

  func install(_ continuation: CheckedContinuation<T, any Error>) {
    let early: Result<T, any Error>? = state.withLock { state in
      if let pending = state.pending {
        state.pending = nil
        return pending
      }
      state.continuation = continuation
      return nil
    }
    if let early { continuation.resume(with: early) }
  }

  func setCancellers(worker: Task<Void, Never>, timer: Task<Void, Never>) {
    let alreadyDone = state.withLock { state in
      state.worker = worker
      state.timer = timer
      return state.finished
    }
    if alreadyDone {
      worker.cancel()
      timer.cancel()
    }
  }

  /// Delivers `result` if nothing was delivered before; returns whether it won.
  @discardableResult
  func finish(_ result: Result<T, any Error>) -> Bool {
    let (won, continuation, timer): (Bool, CheckedContinuation<T, any Error>?, Task<Void, Never>?) =
      state.withLock { state in
        if state.finished { return (false, nil, nil) }
        state.finished = true
        guard let continuation = state.continuation else {
          state.pending = result
          return (true, nil, state.timer)
        }
        state.continuation = nil
        return (true, continuation, state.timer)
      }
    timer?.cancel()
    continuation?.resume(with: result)
    return won
  }

  func cancelAll() {
    let (worker, timer) = state.withLock { ($0.worker, $0.timer) }
    worker?.cancel()
    timer?.cancel()
  }
}
