import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#endif

/// The interactive line editor: GNU readline driven by a `poll()` loop, so text from other
/// threads (QMP events, replies) appears above the prompt the moment it arrives, without
/// disturbing the half-typed line.
///
/// Threads: `run` blocks the thread that calls it (give it a dedicated `Thread`) and is the only
/// code that touches readline. Every other method is safe from any thread or task and never
/// blocks on the terminal: it queues its request and wakes the loop through a pipe.
///
/// While a command waits for its reply the owner calls `setInputEnabled(false)`: the prompt
/// disappears, keys typed meanwhile stay in the terminal's buffer (not echoed) and are edited
/// once input is enabled again, output still prints, and Ctrl-C reaches the owner as
/// `.pending` so it can stop waiting. This mirrors python's qmp-shell, which blocks on a
/// command, while keeping events visible and Ctrl-C useful.
///
/// Use `print` (not Swift's `print`) for everything shown while the editor runs; it is written
/// as is, so pass peer text through `TerminalText.sanitized` first.
///
/// Typical wiring (events arrive on NIO threads, lines are handled by an async task):
///
///     let editor = try LineEditor(configuration: .init(prompt: "(QEMU) ", completion: …,
///                                                      onInterrupt: { _ in cancelPending() }))
///     let (lines, sink) = AsyncStream.makeStream(of: String.self)
///     async let end = editor.runOnOwnThread { line in
///       editor.setInputEnabled(false)  // hide the prompt until the reply is printed
///       sink.yield(line)
///     }
///     for await line in lines { …; editor.print(reply); editor.setInputEnabled(true) }
///     // events: editor.print(TerminalText.sanitized(eventText)) from any thread
public final class LineEditor: Sendable {
  /// What Ctrl-C interrupted.
  public enum Interruption: Sendable, Equatable {
    /// The user was editing: the line (returned here) was discarded and a new prompt shown.
    case prompt(discardedLine: String)
    /// Input was disabled (a command is pending): the owner should stop waiting.
    case pending
  }

  /// Why `run` returned.
  public enum ExitReason: Sendable, Equatable {
    /// Ctrl-D on an empty line, or the input was closed.
    case endOfInput
    /// `stop()` was called.
    case stopped
    /// SIGTERM or SIGHUP arrived; the terminal was restored before returning.
    case signal(Int32)
  }

  let configuration: LineEditorConfiguration
  let wake: WakePipe
  let shared: NIOLockedValueBox<SharedState>

  /// What other threads hand to the loop.
  struct SharedState {
    var output: OutputQueue
    var prompt: String
    var inputEnabled = true
    var stopRequested = false
    var running = false
    var wakePending = false
  }

  public init(configuration: LineEditorConfiguration = LineEditorConfiguration())
    throws(LineEditorError)
  {
    self.configuration = configuration
    wake = try WakePipe()
    shared = NIOLockedValueBox(
      SharedState(
        output: OutputQueue(limit: max(1, configuration.outputLimit)),
        prompt: configuration.prompt))
  }

  /// Shows `text` (a newline is added if missing) above the prompt. Thread-safe, never blocks
  /// on the terminal. Before `run` starts and after it returns, writes to stdout directly.
  public func print(_ text: String) {
    let needsWake = shared.withLock { state -> Bool in
      guard state.running else {
        var direct = OutputQueue(limit: Int.max)
        direct.append(text)
        TerminalOutput.write(direct.drain())
        return false
      }
      state.output.append(text)
      return state.takeWake()
    }
    if needsWake { wake.signal() }
  }

  /// Sets the prompt. Shown at once if a prompt is on screen, else at the next prompt.
  public func setPrompt(_ prompt: String) {
    let needsWake = shared.withLock { state -> Bool in
      state.prompt = prompt
      return state.takeWake()
    }
    if needsWake { wake.signal() }
  }

  /// Hides the prompt and stops reading keys (false), or shows the prompt again (true). A line
  /// being edited when input is disabled is kept and comes back when it is enabled.
  public func setInputEnabled(_ enabled: Bool) {
    let needsWake = shared.withLock { state -> Bool in
      state.inputEnabled = enabled
      return state.takeWake()
    }
    if needsWake { wake.signal() }
  }

  /// Makes `run` return `.stopped` soon, with the terminal restored. Thread-safe. If `run` has
  /// not started yet it returns at once when it does.
  public func stop() {
    let needsWake = shared.withLock { state -> Bool in
      state.stopRequested = true
      return state.takeWake()
    }
    if needsWake { wake.signal() }
  }

  /// Runs the editor on the calling thread until end of input, `stop()` or SIGTERM/SIGHUP.
  /// `onLine` gets each accepted line on this thread, as typed (not trimmed; a pasted block
  /// gives one call per line). Throws if another editor is running.
  public func run(onLine: @escaping @Sendable (String) -> Void) throws(LineEditorError)
    -> ExitReason
  {
    let session = try ReadlineSession(editor: self, onLine: onLine)
    defer { session.finish() }
    return try session.loop()
  }
}

extension LineEditor {
  /// Runs the editor on a thread of its own (readline needs a blocking loop) and suspends the
  /// calling task, without blocking it, until the editor ends.
  public func runOnOwnThread(onLine: @escaping @Sendable (String) -> Void)
    async throws(LineEditorError) -> ExitReason
  {
    let result = await withCheckedContinuation {
      (continuation: CheckedContinuation<Result<ExitReason, LineEditorError>, Never>) in
      let started = DetachedThread.start {
        continuation.resume(
          returning: Result { () throws(LineEditorError) in try self.run(onLine: onLine) })
      }
      if !started { continuation.resume(returning: .failure(.pipeUnavailable(errno: errno))) }
    }
    return try result.get()
  }
}

extension LineEditor.SharedState {
  /// Whether the caller must write a wake-up byte: only the first change since the loop last
  /// looked, so a flood of messages costs one write, not one per message.
  mutating func takeWake() -> Bool {
    guard running, !wakePending else { return false }
    wakePending = true
    return true
  }
}
