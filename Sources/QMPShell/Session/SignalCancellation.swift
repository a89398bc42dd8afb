import Glibc
import NIOConcurrencyHelpers
import Synchronization

/// The write end of the signal pipe while a ``SignalCancellation`` is installed, read by the
/// signal handler (an atomic: a handler may only do async-signal-safe work).
private let cancellationPipeWriter = Atomic<Int32>(-1)

/// The process's signal pipe, made on first use; nil if pipe(2) failed.
private let signalPipe: (reader: Int32, writer: Int32)? = {
  var descriptors: [Int32] = [-1, -1]
  guard pipe(&descriptors) == 0 else { return nil }
  _ = fcntl(descriptors[0], F_SETFD, FD_CLOEXEC)
  _ = fcntl(descriptors[1], F_SETFD, FD_CLOEXEC)
  return (descriptors[0], descriptors[1])
}()

/// The target the relay fires, and whether some thread relays the pipe already.
private struct RelayState {
  var target: CancellationTarget?
  var relayed = false
}

private let relayState = Mutex(RelayState())

/// Turns SIGINT, SIGTERM and SIGHUP into cancellation of the task doing the work.
///
/// Script mode must end cleanly on a signal: the pending command stops waiting, the
/// connection is closed, and the process exits 130, instead of dying mid-write with a
/// half-printed line. The handler only writes a byte to a pipe; a thread blocked reading the
/// pipe cancels the task. That thread is normally the main thread, which has nothing else to
/// do while the work runs in a task (``relaySignals()``). (A libdispatch *signal* source was
/// tried first: on Linux it installs its handler lazily, so a signal could be lost between
/// ignoring it and the source starting; a byte in a pipe waits. A thread of our own, a
/// libdispatch read source and a NIO pipe channel on the session's loop worked too, but each
/// was a measurable part of a one-shot run: the read source made libdispatch start two
/// threads, and the channel's set-up cost about 8 uncached protocol-conformance scans.)
///
/// Install it before the work starts and ``attach(_:)`` the task afterwards: a signal that
/// arrives in between is remembered and cancels the task as soon as it is attached.
public final class SignalCancellation {
  public static let defaultSignals = [SIGINT, SIGTERM, SIGHUP]

  private let signals: [Int32]
  private let target = CancellationTarget()
  private let installed: Bool

  public init(signals: [Int32] = SignalCancellation.defaultSignals) {
    self.signals = signals
    guard let pipe = signalPipe else {
      // No pipe, no clean cancellation: the signals keep their default action (the process
      // still ends, just without the tidy exit).
      installed = false
      return
    }
    installed = true
    let target = self.target
    let startRelay = relayState.withLock { state in
      state.target = target
      defer { state.relayed = true }
      return !state.relayed
    }
    if startRelay { Self.startRelayThread() }
    cancellationPipeWriter.store(pipe.writer, ordering: .sequentiallyConsistent)
    for number in signals { signal(number, relayCancellationSignal) }
  }

  /// The task a signal cancels.
  public func attach<Success: Sendable>(_ task: Task<Success, Never>) {
    target.attach { task.cancel() }
  }

  /// Restores the default actions; later signals no longer reach this instance's task.
  public func cancel() {
    guard installed else { return }
    for number in signals { signal(number, SIG_DFL) }
    cancellationPipeWriter.store(-1, ordering: .sequentiallyConsistent)
    let target = self.target
    relayState.withLock { state in
      if state.target === target { state.target = nil }
    }
  }

  /// Claims the relay for the calling thread, runs `start` (which starts the work, e.g. in a
  /// task), then reads the signal pipe on the calling thread for ever. Call it from a thread
  /// that has nothing else to do: the main thread, once the work runs in a task. A
  /// ``SignalCancellation`` made when no thread relays starts a thread of its own for it.
  public static func relaySignals(after start: () -> Void) -> Never {
    let claimed = relayState.withLock { state in
      defer { state.relayed = true }
      return !state.relayed
    }
    start()
    guard claimed, let pipe = signalPipe else { blockForever() }
    relayLoop(reader: pipe.reader)
  }

  private static func startRelayThread() {
    guard let pipe = signalPipe else { return }
    var thread = pthread_t()
    let started = pthread_create(
      &thread, nil,
      { argument in
        SignalCancellation.relayLoop(reader: Int32(Int(bitPattern: argument)))
      }, UnsafeMutableRawPointer(bitPattern: Int(pipe.reader)))
    if started == 0 { pthread_detach(thread) }
  }

  private static func relayLoop(reader: Int32) -> Never {
    var byte: UInt8 = 0
    while true {
      let count = read(reader, &byte, 1)
      if count == 1 {
        relayState.withLock { $0.target }?.fire()
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        blockForever()
      }
    }
  }

  private static func blockForever() -> Never {
    while true { pause() }
  }
}

/// The handler: async-signal-safe (an atomic load and one `write`), keeps `errno`.
private func relayCancellationSignal(_ number: Int32) {
  let savedErrno = errno
  let descriptor = cancellationPipeWriter.load(ordering: .relaxed)
  if descriptor >= 0 {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(descriptor, &byte, 1)
  }
  errno = savedErrno
}

/// Remembers a signal that came before the task it should cancel.
private final class CancellationTarget: Sendable {
  private struct State {
    var cancel: (@Sendable () -> Void)?
    var fired = false
  }

  private let state = NIOLockedValueBox(State())

  func fire() {
    let cancel = state.withLock { state in
      state.fired = true
      return state.cancel
    }
    cancel?()
  }

  func attach(_ cancel: @escaping @Sendable () -> Void) {
    let firedAlready = state.withLock { state in
      state.cancel = cancel
      return state.fired
    }
    if firedAlready { cancel() }
  }
}
