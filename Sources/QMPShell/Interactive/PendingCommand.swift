import NIOConcurrencyHelpers

/// The command the REPL is waiting on, so Ctrl-C (which arrives on the editor's thread) can
/// stop the wait. The reply, if it comes later, is shown as late by the transcript printer.
///
/// A wait is opened with ``begin()`` before its task exists: a Ctrl-C that lands between the
/// command going out and the task being attached still cancels it.
final class PendingCommand: Sendable {
  private struct State {
    var active = false
    var cancelled = false
    var task: Task<Void, Never>?
  }

  private let state = NIOLockedValueBox(State())

  /// Opens a wait.
  func begin() {
    state.withLock { $0 = State(active: true) }
  }

  /// Attaches the task doing the wait; cancels it at once if Ctrl-C came first.
  func attach(_ task: Task<Void, Never>) {
    let cancelNow = state.withLock { state in
      state.task = task
      return state.cancelled
    }
    if cancelNow { task.cancel() }
  }

  /// Closes the wait.
  func end() {
    state.withLock { $0 = State() }
  }

  /// Stops waiting for the current command, if any.
  func cancel() {
    let task = state.withLock { state -> Task<Void, Never>? in
      guard state.active else { return nil }
      state.cancelled = true
      return state.task
    }
    task?.cancel()
  }
}
