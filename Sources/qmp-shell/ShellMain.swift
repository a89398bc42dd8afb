import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

/// The process entry point.
///
/// It is synchronous on purpose. An `async` main hands the main thread to libdispatch, which
/// parks it with `pthread_exit` (a forced unwind through libgcc's unwinder, ~4% of a one-shot
/// `qmp-shell SOCK -c query-status`) and resumes the end of `main` on a thread it must first
/// create. Here the work runs in a task (on the event loop for a one-shot `-c`, else on the
/// global pool) and calls `exit` itself as soon as it is done, while the main thread only
/// waits and relays signals; nothing is lost by exiting there: every
/// reply has been written with write(2) by then, the session is closed, and `exit` flushes
/// what went through stdio (help texts, `--dry-run`).
@main
enum ShellMain {
  static func main() {
    // A closed stdout must be an EPIPE error we can handle, not a silent death.
    signal(SIGPIPE, SIG_IGN)
    // A parent may start us with signals blocked (Foundation's Process does, from a Swift
    // concurrency thread): SIGINT, SIGTERM and SIGHUP must reach our handlers. Every thread
    // started from here on inherits this mask.
    var unblocked = sigset_t()
    sigemptyset(&unblocked)
    sigprocmask(SIG_SETMASK, &unblocked, nil)
    // One session, one socket: one event-loop thread, not one per core (made eagerly, each
    // waited for, before the first connect).
    EventLoops.useOneLoop()
    DiagnosticLogging.bootstrap(
      environment: ProcessEnvironment.values(of: ShellInvocation.environmentNames))
    let arguments = CommandLine.arguments.dropFirst()
    // The main thread only waits; it relays script mode's signals meanwhile (no thread of
    // its own for that).
    SignalCancellation.relaySignals {
      if let invocation = ShellInvocation(fastParsing: arguments) {
        if invocation.runsOnEventLoop {
          // The whole one-shot on the event loop the client uses: no thread of the global
          // pool is ever started (each one a clone and a hand-off), and nothing hops between
          // threads.
          Task.detached(executorPreference: EventLoops.sharedLoopExecutor()) {
            exit(await run(invocation))
          }
        } else {
          Task.detached { exit(await run(invocation)) }
        }
      } else {
        Task.detached { exit(await QMPShellCommand.parseAndRun()) }
      }
    }
  }

  /// Runs what the fast path parsed; returns the exit status.
  private static func run(_ invocation: ShellInvocation) async -> Int32 {
    do {
      try await invocation.run()
      return 0
    } catch {
      return error.status
    }
  }
}
