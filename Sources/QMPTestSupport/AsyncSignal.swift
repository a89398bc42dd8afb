import NIOConcurrencyHelpers

/// A one-shot signal: tasks wait until somebody fires it; once fired it stays fired.
///
/// Tests use it instead of sleeps, e.g. to hold a fake server's reply until the client has
/// given up on it (see ``FakeQMPServer/Action/wait(_:)``).
public final class AsyncSignal: Sendable {
  private struct State {
    var fired = false
    var nextWaiter = 0
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
  }

  private let state = NIOLockedValueBox(State())

  public init() {}

  public var isFired: Bool { state.withLock { $0.fired } }

  /// Wakes every waiter, now and in the future. Firing twice does nothing more.
  public func fire() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      guard !state.fired else { return [] }
      state.fired = true
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once the signal fired, or at once when the task is cancelled.
  public func wait() async {
    let key = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        let resumeNow = state.withLock { state -> Bool in
          if state.fired || Task.isCancelled { return true }
          state.waiters[key] = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
      waiter?.resume()
    }
  }
}
