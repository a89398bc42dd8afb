import NIOCore

/// Runs Swift tasks on one NIO event loop: the loop that owns the session's socket.
///
/// A lock-step command crosses the same few tasks every time (the caller, the reader, often a
/// printer). On Swift's global pool each of those hand-overs wakes another thread, and a
/// reply read by the event loop has to cross to the pool before anything can act on it:
/// about six thread switches per command, which cost more than the JSON work. With this
/// executor as the tasks' preference, a continuation resumed on the loop (a reply read, a
/// write completed) runs in the same loop tick, on the same thread.
///
/// Work that blocks (reading a slow pipe, a terminal) must not run here: it would stop the
/// loop from reading and writing every socket it owns.
///
/// Public because test servers use it too: in-process peers on their own loop keep answering
/// while CPU-heavy tests occupy every thread of the global pool.
public final class EventLoopTaskExecutor: TaskExecutor {
  public let eventLoop: any EventLoop

  public init(_ eventLoop: any EventLoop) {
    self.eventLoop = eventLoop
  }

  public func enqueue(_ job: consuming ExecutorJob) {
    let job = UnownedJob(job)
    eventLoop.execute {
      job.runSynchronously(on: self.asUnownedTaskExecutor())
    }
  }
}
