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
    return try await withCheckedThrowingContinuation { continuation in
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
  }
}

/// A continuation that the first of several racers resumes.
private final class ResumeOnce<T: Sendable>: Sendable {
  private let continuation = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)

  func set(_ continuation: CheckedContinuation<T, any Error>) {
    self.continuation.withLockedValue { $0 = continuation }
  }

  /// - Returns: whether this call resumed the continuation.
  @discardableResult
  func resume(with result: Result<T, any Error>) -> Bool {
    let taken = continuation.withLockedValue { c -> CheckedContinuation<T, any Error>? in
      defer { c = nil }
      return c
    }
    taken?.resume(with: result)
    return taken != nil
  }
}
