import NIOCore

/// How many event-loop threads the process runs.
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
}
