import NIOConcurrencyHelpers
import NIOCore

/// Script mode's standard output when it is a pipe or a file: what the printer writes is
/// gathered and written in one `write(2)` at most every few milliseconds, instead of one per
/// reply; a flood of output is written by a thread of its own.
///
/// A lock-step script otherwise pays a system call per command, and when a reader waits on
/// the pipe, that call also wakes the reader: on two cores, about a sixth of a command's cost
/// (perf, 20,000 `query-status` through a pipe). Nothing is reordered (one buffer, written
/// in order), and nothing waits long: a loop timer writes what is pending after a short delay
/// (20 ms: a slow command does not hold back the replies before it), the runner flushes before
/// it would wait for input (a program that feeds commands one at a time and reads each
/// reply keeps working) and before anything goes to stderr (a reply still precedes the error
/// that names it), and at the end. A terminal gets every write at once (``eventLoop`` nil).
///
/// Once ``limit`` bytes are pending (an event flood, a big reply), they are handed to a writer
/// thread, started then, and the caller goes on decoding and formatting while the kernel copies
/// them into the pipe and wakes its reader: in an event flood that copy and wake-up were an
/// eighth of the event loop's time (perf), and the loop sat idle whenever the pipe was full.
/// At most one block is in the writer's hands: the next hand-off (and every flush) waits for
/// it, so memory stays bounded and a slow reader still slows the shell down.
final class StdoutBatcher: Sendable {
  /// How long output may wait at most, by default.
  static let defaultDelay = TimeAmount.milliseconds(20)
  /// Pending bytes past this go to the writer thread at once.
  static let limit = 64 * 1024

  /// Runs the flush timer; nil writes through.
  private let eventLoop: (any EventLoop)?
  private let delay: TimeAmount
  private let shared: Shared

  init(sink: OutputSink, eventLoop: (any EventLoop)?, delay: TimeAmount = defaultDelay) {
    self.eventLoop = eventLoop
    self.delay = delay
    self.shared = Shared(sink: sink)
  }

  deinit {
    shared.stopWriter()
  }

  /// Whether a write failed because the reader went away.
  var isClosed: Bool { shared.withState { $0.closed } }

  /// Queues `bytes` (or writes them, for a terminal). Throws once the reader has gone, which
  /// a timer's or the writer thread's write may have found out earlier.
  func write(_ bytes: [UInt8]) throws(OutputClosedError) {
    guard let eventLoop else {
      try shared.sink.write(bytes)
      return
    }
    let (open, full, armTimer) = shared.withState { s -> (Bool, Bool, Bool) in
      if s.closed { return (false, false, false) }
      s.pending.append(contentsOf: bytes)
      if s.pending.count >= Self.limit { return (true, true, false) }
      let armTimer = !s.timerArmed
      s.timerArmed = true
      return (true, false, armTimer)
    }
    guard open else { throw OutputClosedError() }
    if full {
      guard shared.handOff() else { throw OutputClosedError() }
    } else if armTimer {
      eventLoop.scheduleTask(in: delay) { [shared] in
        shared.withState { $0.timerArmed = false }
        _ = shared.drain()
      }
    }
  }

  /// Writes everything pending now (and waits for the writer thread's block first).
  func flush() throws(OutputClosedError) {
    guard shared.drain() else { throw OutputClosedError() }
  }

  /// The state the caller's threads and the writer thread share, behind one condition lock
  /// whose value says whether the writer holds a block (`busy`) or not (`idle`).
  private final class Shared: @unchecked Sendable {
    // @unchecked: `state` is only touched with `lock` held.
    struct State {
      var pending: [UInt8] = []
      /// The block the writer thread writes while `busy`; an empty buffer kept for reuse
      /// otherwise.
      var handed: [UInt8] = []
      var timerArmed = false
      var closed = false
      var writerStarted = false
      /// Set (with the value `busy`, the one the writer waits for) to end the writer thread.
      var stopping = false

      /// Makes the pending bytes the writer's block, and its emptied buffer the pending one
      /// (one method: two `inout` fields of a class's property at once are an access conflict).
      mutating func handOffPending() {
        swap(&handed, &pending)
      }
    }

    static let idle = 0
    static let busy = 1

    let sink: OutputSink
    private let lock = ConditionLock(value: Shared.idle)
    private var state = State()

    init(sink: OutputSink) { self.sink = sink }

    func withState<T>(_ body: (inout State) -> T) -> T {
      lock.lock()
      defer { lock.unlock() }
      return body(&state)
    }

    /// Gives the pending bytes to the writer thread once it is idle (starting it the first
    /// time); false if the reader has gone.
    func handOff() -> Bool {
      lock.lock(whenValue: Self.idle)
      if state.closed {
        lock.unlock()
        return false
      }
      guard state.pending.count >= StdoutBatcher.limit else {
        // Another caller handed these bytes off while this one waited.
        lock.unlock()
        return true
      }
      if !state.writerStarted {
        guard DetachedThread.start({ [self] in runWriter() }) else {
          // No thread to be had (this time): write here, as before there was one.
          let ok = writePending()
          lock.unlock()
          return ok
        }
        state.writerStarted = true
      }
      state.handOffPending()
      lock.unlock(withValue: Self.busy)
      return true
    }

    /// Waits for the writer thread's block, then writes what is pending here; false if the
    /// reader has gone.
    func drain() -> Bool {
      lock.lock(whenValue: Self.idle)
      let ok = writePending()
      lock.unlock()
      return ok
    }

    /// Ends the writer thread (if it ever started) once its block is written.
    /// The lock is left `idle` afterwards: a flush timer still armed may drain later.
    func stopWriter() {
      lock.lock(whenValue: Self.idle)
      guard state.writerStarted else {
        lock.unlock()
        return
      }
      state.stopping = true
      lock.unlock(withValue: Self.busy)
    }

    /// Writes `pending` with the lock held; false once the reader has gone.
    private func writePending() -> Bool {
      guard !state.closed else { return false }
      guard !state.pending.isEmpty else { return true }
      defer { state.pending.removeAll(keepingCapacity: true) }
      do {
        try sink.write(state.pending)
        return true
      } catch {
        state.closed = true
        return false
      }
    }

    private func runWriter() {
      while true {
        lock.lock(whenValue: Self.busy)
        if state.stopping {
          lock.unlock(withValue: Self.idle)
          return
        }
        var block: [UInt8] = []
        swap(&block, &state.handed)
        lock.unlock()
        let written = (try? sink.write(block)) != nil
        block.removeAll(keepingCapacity: true)
        lock.lock()
        swap(&block, &state.handed)
        if !written {
          state.closed = true
          state.pending.removeAll()
        }
        lock.unlock(withValue: Self.idle)
      }
    }
  }
}
