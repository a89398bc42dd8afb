import Glibc

/// Keeps SIGINT, SIGTERM and SIGHUP from killing the shell while it owns a launched QEMU.
///
/// When the terminal closes, the shell gets SIGHUP more than once (from the hang-up, and as
/// session leader or member of the foreground group). The line editor ends on the first and
/// puts back the action it found; had that been the default, the next SIGHUP would kill the
/// shell halfway through stopping QEMU and leave QEMU running. With the action set to
/// "ignore" while QEMU runs, the editor's handlers still see every signal while it runs, and
/// nothing kills the shell afterwards. Only signals whose action is the default are touched:
/// script mode has its own handlers (``SignalCancellation``), which must stay.
struct ShutdownSignalGuard {
  private var ignored: [Int32] = []

  init(signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]) {
    for number in signals {
      var current = sigaction()
      guard sigaction(number, nil, &current) == 0,
        current.__sigaction_handler.sa_handler == nil  // SIG_DFL is a null handler
      else { continue }
      var ignore = sigaction()
      ignore.__sigaction_handler.sa_handler = SIG_IGN
      sigemptyset(&ignore.sa_mask)
      if sigaction(number, &ignore, nil) == 0 { ignored.append(number) }
    }
  }

  /// Puts the default actions back on the signals this guard ignored.
  func release() {
    for number in ignored { signal(number, SIG_DFL) }
  }
}
