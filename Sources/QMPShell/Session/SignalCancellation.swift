import Glibc
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Synchronization

/// The write end of the script-mode signal pipe, read by the signal handler (an atomic: a
/// handler may only do async-signal-safe work).
private let cancellationPipeWriter = Atomic<Int32>(-1)

/// Turns SIGINT, SIGTERM and SIGHUP into cancellation of the task doing the work.
///
/// Script mode must end cleanly on a signal: the pending command stops waiting, the
/// connection is closed, and the process exits 130, instead of dying mid-write with a
/// half-printed line. The handler only writes a byte to a pipe; a pipe channel on the shared
/// event loop (the loop the session's client runs on) reads it and cancels the task. (A
/// libdispatch *signal* source was tried first: on Linux it installs its handler lazily, so a
/// signal could be lost between ignoring it and the source starting; a byte in a pipe waits.
/// A thread of our own blocked in read(2), and then a libdispatch read source, worked too, but
/// both started threads that were a measurable part of a one-shot run: the read source alone
/// made libdispatch start its event thread and a worker.)
///
/// Install it before the work starts and ``attach(_:)`` the task afterwards: a signal that
/// arrives in between is remembered and cancels the task as soon as it is attached.
public final class SignalCancellation {
  public static let defaultSignals = [SIGINT, SIGTERM, SIGHUP]

  private let signals: [Int32]
  private let target = CancellationTarget()
  private let writer: Int32
  /// The channel reading the pipe, once it is registered on the loop.
  private let watcher: EventLoopFuture<any Channel>?

  public init(signals: [Int32] = SignalCancellation.defaultSignals) {
    self.signals = signals
    var descriptors: [Int32] = [-1, -1]
    if pipe(&descriptors) != 0 {
      // No pipe, no clean cancellation: the signals keep their default action (the process
      // still ends, just without the tidy exit).
      writer = -1
      watcher = nil
      return
    }
    let reader = descriptors[0]
    writer = descriptors[1]
    _ = fcntl(reader, F_SETFD, FD_CLOEXEC)
    _ = fcntl(writer, F_SETFD, FD_CLOEXEC)
    let target = self.target
    // Registration finishes on the loop later; a byte written before that waits in the pipe.
    let watcher = NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(SignalByteReader(target: target))
        }
      }
      .takingOwnershipOfDescriptor(input: reader)
    // On failure the descriptor is still ours.
    watcher.whenFailure { _ in close(reader) }
    self.watcher = watcher
    cancellationPipeWriter.store(writer, ordering: .sequentiallyConsistent)
    for number in signals { signal(number, relayCancellationSignal) }
  }

  /// The task a signal cancels.
  public func attach<Success: Sendable>(_ task: Task<Success, Never>) {
    target.attach { task.cancel() }
  }

  /// Restores the default actions and stops watching the pipe.
  public func cancel() {
    guard writer >= 0, let watcher else { return }
    for number in signals { signal(number, SIG_DFL) }
    cancellationPipeWriter.store(-1, ordering: .sequentiallyConsistent)
    // Closing the channel closes the read end.
    watcher.whenSuccess { $0.close(promise: nil) }
  }
}

/// Fires the cancellation once per byte the signal handler wrote.
private final class SignalByteReader: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer

  private let target: CancellationTarget

  init(target: CancellationTarget) {
    self.target = target
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let bytes = unwrapInboundIn(data)
    for _ in 0..<bytes.readableBytes { target.fire() }
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
