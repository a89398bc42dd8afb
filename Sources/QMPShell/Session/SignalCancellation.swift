import Dispatch
import Glibc

/// Turns SIGINT, SIGTERM and SIGHUP into cancellation of the task doing the work.
///
/// Script mode must end cleanly on a signal: the pending command stops waiting, the
/// connection is closed, and the process exits 130, instead of dying mid-write with a
/// half-printed line. Dispatch sources deliver the signal on a queue, outside signal context.
public final class SignalCancellation {
  private let sources: [any DispatchSourceSignal]

  public init<Success: Sendable>(
    cancelling task: Task<Success, Never>, signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
  ) {
    sources = signals.map { number in
      signal(number, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
      source.setEventHandler { task.cancel() }
      source.resume()
      return source
    }
  }

  /// Stops listening and restores the default actions.
  public func cancel() {
    for source in sources {
      source.cancel()
      signal(Int32(source.handle), SIG_DFL)
    }
  }
}
