import NIOConcurrencyHelpers
import NIOCore

/// One run of `connect`/`accept`, which can be aborted from outside at any moment.
///
/// NIO's connect and accept do not notice Swift task cancellation, so the attempt keeps every
/// channel it opened and closes them when it is aborted (by cancellation, the connect timeout
/// or `disconnect()`). `race(_:discard:)` returns at once on abort, even if the work is still
/// stuck in a name lookup; whatever the work produces later is discarded.
final class ConnectAttempt: Sendable {
  enum AbortReason: Error {
    case cancelled
    case timedOut(Duration)
    case disconnected
  }

  private struct State {
    var phase = ConnectError.Phase.transport
    var sawFullBacklog = false
    var abortReason: AbortReason?
    var completed = false
    var channels: [any Channel] = []
    var onAbort: (@Sendable (AbortReason) -> Void)?
  }

  private let state = NIOLockedValueBox(State())

  var phase: ConnectError.Phase {
    get { state.withLockedValue { $0.phase } }
    set { state.withLockedValue { $0.phase = newValue } }
  }

  var abortReason: AbortReason? { state.withLockedValue { $0.abortReason } }

  /// Whether a dial found the peer's backlog full (EAGAIN) and waited: a timeout then says so.
  var sawFullBacklog: Bool { state.withLockedValue { $0.sawFullBacklog } }

  func noteFullBacklog() {
    state.withLockedValue { $0.sawFullBacklog = true }
  }

  /// Keeps `channel` so an abort can close it; closes it at once if already aborted.
  /// - Returns: false if the attempt was already aborted.
  @discardableResult
  func register(_ channel: any Channel) -> Bool {
    let aborted = state.withLockedValue { s -> Bool in
      if s.abortReason != nil { return true }
      s.channels.append(channel)
      return false
    }
    if aborted { channel.close(promise: nil) }
    return !aborted
  }

  /// Ends the attempt successfully: later aborts (a timer firing late, say) no longer touch
  /// its channels, which now belong to a running session.
  /// - Returns: false if the attempt was aborted first.
  func complete() -> Bool {
    state.withLockedValue { s in
      guard s.abortReason == nil else { return false }
      s.completed = true
      s.channels = []
      s.onAbort = nil
      return true
    }
  }

  /// Stops the attempt: the first reason wins; every registered channel is closed.
  func abort(_ reason: AbortReason) {
    let (channels, onAbort) = state.withLockedValue {
      s -> ([any Channel], (@Sendable (AbortReason) -> Void)?) in
      guard s.abortReason == nil, !s.completed else { return ([], nil) }
      s.abortReason = reason
      defer {
        s.channels = []
        s.onAbort = nil
      }
      return (s.channels, s.onAbort)
    }
    for channel in channels { channel.close(promise: nil) }
    onAbort?(reason)
  }

  /// Runs `work` in its own task (on `executor`, if given) and returns its result, or throws
  /// the abort reason as soon as the attempt is aborted. A result that arrives after the abort
  /// is handed to `discard`.
  func race<T: Sendable>(
    on executor: (any TaskExecutor)? = nil,
    _ work: @escaping @Sendable () async throws -> T,
    discard: @escaping @Sendable (T) async -> Void
  ) async throws -> T {
    let outcome = ResumeOnce<T>()
    await withCheckedContinuation { continuation in
      outcome.set(continuation)
      let task = Task(executorPreference: executor) {
        do {
          let value = try await work()
          if !outcome.resume(with: .success(value)) { await discard(value) }
        } catch {
          outcome.resume(with: .failure(error))
        }
      }
      let early = state.withLockedValue { s -> AbortReason? in
        if let reason = s.abortReason { return reason }
        s.onAbort = { reason in
          task.cancel()
          outcome.resume(with: .failure(reason))
        }
        return nil
      }
      if let early {
        task.cancel()
        outcome.resume(with: .failure(early))
      }
    }
    return try outcome.take().get()
  }
}

/// A continuation that the first of several racers resumes, and the result it was resumed for.
///
/// The result travels through the lock rather than through the continuation. When the winner
/// resumes before the opener has reached its `await` (the work can finish on the event loop
/// while the opener is still inside `withCheckedContinuation`), the Swift runtime lets the
/// opener run on without telling ThreadSanitizer (`swift_continuation_await` has no
/// `_swift_tsan_acquire` on its already-resumed path), and TSan then reported the opener's
/// first read of the new link as a race with its creation on the loop. The lock taken by
/// ``take()`` after the resumption is an edge TSan sees, whatever order the two sides ran in.
private final class ResumeOnce<T: Sendable>: Sendable {
  private struct State {
    var continuation: CheckedContinuation<Void, Never>?
    var result: Result<T, any Error>?
  }

  private let state = NIOLockedValueBox(State())

  func set(_ continuation: CheckedContinuation<Void, Never>) {
    state.withLockedValue { $0.continuation = continuation }
  }

  /// - Returns: whether this call won (its result is the one `take()` returns).
  @discardableResult
  func resume(with result: Result<T, any Error>) -> Bool {
    let taken = state.withLockedValue { s -> CheckedContinuation<Void, Never>? in
      guard s.result == nil, let continuation = s.continuation else { return nil }
      s.result = result
      s.continuation = nil
      return continuation
    }
    taken?.resume()
    return taken != nil
  }

  /// The winner's result; only called after the continuation was resumed.
  func take() -> Result<T, any Error> {
    state.withLockedValue { s in
      s.result ?? .failure(SessionClosedError())
    }
  }
}
