import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// The write end of the running editor's signal pipe, read by the signal handler. An atomic,
/// because a handler may only do async-signal-safe work: load a word, call `write`.
private let signalPipeWriter = Atomic<Int32>(-1)

/// Turns signals into bytes on a pipe, so the poll loop handles them as ordinary input and
/// readline is never touched from a signal handler.
///
/// SIGINT (Ctrl-C), SIGWINCH (resize), SIGTERM and SIGHUP (restore the terminal, then return),
/// SIGTSTP (Ctrl-Z: restore the terminal, then stop) and SIGCONT (set the terminal up again)
/// are caught while the editor runs; the previous handlers come back when it stops.
struct SignalRelay: ~Copyable {
  static let signals: [Int32] = [SIGINT, SIGWINCH, SIGTERM, SIGHUP, SIGTSTP, SIGCONT]

  let pipe: WakePipe
  private let previous: [__sighandler_t?]

  init() throws(LineEditorError) {
    pipe = try WakePipe()
    signalPipeWriter.store(pipe.writer, ordering: .sequentiallyConsistent)
    previous = Self.signals.map { signal($0, relaySignal) }
  }

  deinit {
    for (number, handler) in zip(Self.signals, previous) { signal(number, handler) }
    signalPipeWriter.store(-1, ordering: .sequentiallyConsistent)
  }

  /// Stops the process as an uncaught SIGTSTP would; returns once it is continued (at once
  /// in an orphaned process group, where the kernel ignores the stop).
  func stopProcess() {
    signal(SIGTSTP, SIG_DFL)
    raise(SIGTSTP)
    signal(SIGTSTP, relaySignal)
  }

  /// The signals that arrived since the last call, in order.
  func take() -> [Int32] {
    pipe.drain().map { Int32($0) }
  }
}

/// The signal handler: async-signal-safe (an atomic load and one `write`), keeps `errno`.
private func relaySignal(_ number: Int32) {
  let savedErrno = errno
  let descriptor = signalPipeWriter.load(ordering: .relaxed)
  if descriptor >= 0 {
    var byte = UInt8(truncatingIfNeeded: number)
    _ = write(descriptor, &byte, 1)
  }
  errno = savedErrno
}
