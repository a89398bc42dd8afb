import AsyncProtocol
import NIOCore
import NIOPosix

/// How many event-loop threads the process runs, and where a session's task starts.
public enum EventLoops {
  /// Makes NIO's shared event-loop group a single thread. The shell drives one socket, and a
  /// session keeps its socket, reader and timers on one loop anyway, so more threads only cost
  /// start-up time: NIO starts every thread of the group up front and waits for each.
  ///
  /// Call it first thing in `main`, before anything touches
  /// `MultiThreadedEventLoopGroup.singleton` (NIO refuses the change after that).
  public static func useOneLoop() {
    NIOSingletons.groupLoopCountSuggestion = 1
  }

  /// An executor on a loop of NIO's shared group: with ``useOneLoop()``, the loop the
  /// session's client will use. A task started there runs the connect and the script on that
  /// one thread from its first instruction, instead of first waking a thread of the global
  /// pool (a thread made just for that in a one-shot run, and a hand-off that a loaded
  /// machine makes slow).
  public static func sharedLoopExecutor() -> any TaskExecutor {
    EventLoopTaskExecutor(MultiThreadedEventLoopGroup.singleton.next())
  }
}
