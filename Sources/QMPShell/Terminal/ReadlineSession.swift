import CReadline
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#endif

/// Who owns readline (there is one per process), and the session its C callbacks reach (they
/// cannot capture context). Claimed before anything global (signal handlers) is touched, so
/// a second editor fails without disturbing the running one.
private let readlineOwner = NIOLockedValueBox<ReadlineOwner>(ReadlineOwner())

private struct ReadlineOwner {
  var claimed = false
  var session: ReadlineSession?
}

/// One run of a `LineEditor`: everything that touches readline, on the loop thread only.
///
/// Its mutable state sits in a lock only to satisfy `Sendable` (the C callbacks fetch the
/// session through a global); it is used by one thread, so the lock is never contended.
/// The lock is never held while calling readline or the owner's callbacks.
final class ReadlineSession: Sendable {
  let editor: LineEditor
  let onLine: @Sendable (String) -> Void
  let signals: SignalRelay
  let loopState: NIOLockedValueBox<LoopState>

  struct LoopState {
    var history: HistoryFile?
    var lastHistoryEntry: String?
    /// Whether readline's line handler is installed (the prompt is, or will be, on screen).
    var handlerInstalled = false
    /// Whether readline has put the terminal in its mode (it stays so until `finish`).
    var terminalPrepared = false
    /// Whether readline is inside our line handler (between two lines: nothing on screen).
    var inLineHandler = false
    var appliedPrompt: String
    var exitReason: LineEditor.ExitReason?
    /// A line hidden by `setInputEnabled(false)` while being edited, restored afterwards.
    var hiddenLine: HiddenLine?
    /// Lines of a pasted block not yet handed over because input was disabled after one.
    var queuedLines: [String] = []
  }

  struct HiddenLine {
    var text: String
    var point: Int32
  }

  init(editor: LineEditor, onLine: @escaping @Sendable (String) -> Void)
    throws(LineEditorError)
  {
    let claimed = readlineOwner.withLock { owner -> Bool in
      guard !owner.claimed else { return false }
      owner.claimed = true
      return true
    }
    guard claimed else { throw .alreadyRunning }
    do {
      signals = try SignalRelay()
    } catch {
      readlineOwner.withLock { $0.claimed = false }
      throw error
    }
    self.editor = editor
    self.onLine = onLine
    loopState = NIOLockedValueBox(LoopState(appliedPrompt: editor.configuration.prompt))
    readlineOwner.withLock { $0.session = self }
  }

  static var current: ReadlineSession? { readlineOwner.withLock { $0.session } }

  // MARK: Loop

  func loop() throws(LineEditorError) -> LineEditor.ExitReason {
    start()
    var descriptors = [
      pollfd(fd: editor.wake.reader, events: Int16(POLLIN), revents: 0),
      pollfd(fd: signals.pipe.reader, events: Int16(POLLIN), revents: 0),
      pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
    ]
    while true {
      deliverQueuedLines()
      synchronize()
      let (reason, reading) = loopState.withLock { ($0.exitReason, $0.handlerInstalled) }
      if let reason { return reason }
      for index in descriptors.indices { descriptors[index].revents = 0 }
      if poll(&descriptors, nfds_t(reading ? 3 : 2), -1) < 0 {
        if errno == EINTR { continue }
        throw .pollFailed(errno: errno)
      }
      if descriptors[1].revents != 0 {
        for number in signals.take() { handleSignal(number) }
      }
      if descriptors[0].revents != 0 {
        _ = editor.wake.drain()
        editor.shared.withLock { $0.wakePending = false }
      }
      if reading && descriptors[2].revents != 0 {
        if descriptors[2].revents & Int16(POLLNVAL) != 0 {
          loopState.withLock { $0.exitReason = .endOfInput }
        } else if loopState.withLock({ $0.handlerInstalled && $0.exitReason == nil }) {
          rl_callback_read_char()
        }
      }
    }
  }

  /// Configures readline and loads history; the first prompt appears in `synchronize`.
  private func start() {
    setlocale(LC_CTYPE, "")  // readline needs the locale to edit UTF-8 as characters
    // Readline keeps these pointers; they live as long as the process (a few bytes per run).
    qmp_rl_configure(strdup("qmp-shell"), strdup(" \t\n="), readlineCompletion)
    qmp_rl_set_deprep_between_lines(0)
    clear_history()
    stifle_history(Int32(clamping: editor.configuration.historyLimit))
    editor.shared.withLock { state in
      state.running = true
      state.wakePending = false
    }
    guard let path = editor.configuration.historyPath else { return }
    var history = HistoryFile(path: path, limit: editor.configuration.historyLimit)
    do {
      let entries = try history.load()
      for entry in entries { add_history(entry) }
      loopState.withLock { state in
        state.history = history
        state.lastHistoryEntry = entries.last
      }
    } catch {
      editor.print("warning: \(error.description)")
    }
  }

  /// Restores the terminal and everything `start` changed; flushes what is left to print.
  func finish() {
    let (installed, history) = loopState.withLock { state in
      defer { state.handlerInstalled = false }
      return (state.handlerInstalled, state.history)
    }
    if installed {
      rl_callback_handler_remove()
      TerminalOutput.write(Array("\n".utf8))
    }
    qmp_rl_set_deprep_between_lines(1)
    rl_deprep_terminal()  // the terminal stayed in readline's mode for the whole run
    if var history {
      do { try history.compactIfNeeded() } catch {
        editor.shared.withLock { _ = $0.output.append("warning: \(error.description)") }
      }
    }
    editor.shared.withLock { state in
      state.running = false
      state.stopRequested = false
      state.wakePending = false
      // Written under the lock, so a `print` racing with the end cannot overtake it.
      TerminalOutput.write(state.output.drain())
    }
    readlineOwner.withLock { $0 = ReadlineOwner() }
  }

  // MARK: Applying requests from other threads

  /// Applies what other threads asked for: stop, input on/off, prompt, output. Called from the
  /// loop (a prompt may be on screen) and from the line handler (nothing on screen).
  private func synchronize() {
    let (output, prompt, enabled, stop) = editor.shared.withLock { state in
      (state.output.drain(), state.prompt, state.inputEnabled, state.stopRequested)
    }
    var state = loopState.withLock { $0 }
    defer { loopState.withLock { $0 = state } }
    if state.exitReason != nil {
      TerminalOutput.write(output)
      return
    }
    if stop {
      if state.inLineHandler && state.handlerInstalled {
        rl_callback_handler_remove()  // no new prompt after this line
        state.handlerInstalled = false
      }
      TerminalOutput.write(output)
      state.exitReason = .stopped
      return
    }
    let onScreen = state.handlerInstalled && !state.inLineHandler
    var redisplay = false
    if !enabled && state.handlerInstalled {
      if onScreen { state.hiddenLine = hideLine() }
      rl_callback_handler_remove()  // the terminal stays raw: keys typed now wait unseen
      state.handlerInstalled = false
    }
    if prompt != state.appliedPrompt {
      rl_set_prompt(prompt)
      state.appliedPrompt = prompt
      redisplay = true
    }
    if !output.isEmpty {
      if state.handlerInstalled && !state.inLineHandler {
        rl_clear_visible_line()
        fflush(qmp_rl_outstream())
        redisplay = true
      }
      TerminalOutput.write(output)
    }
    if enabled && !state.handlerInstalled && !state.inLineHandler && state.queuedLines.isEmpty {
      rl_callback_handler_install(prompt, readlineLineHandler)
      state.handlerInstalled = true
      state.terminalPrepared = true
      redisplay = false
      if let hidden = state.hiddenLine {
        rl_insert_text(hidden.text)
        qmp_rl_set_point(hidden.point)
        state.hiddenLine = nil
        redisplay = true
      }
    }
    if redisplay && state.handlerInstalled && !state.inLineHandler { rl_forced_update_display() }
  }

  /// Takes the line being edited off the screen and out of readline, to restore it later.
  private func hideLine() -> HiddenLine {
    let hidden = HiddenLine(text: currentLine(), point: qmp_rl_point())
    rl_clear_visible_line()
    rl_replace_line("", 1)
    fflush(qmp_rl_outstream())
    return hidden
  }

  /// The text readline is editing.
  private func currentLine() -> String {
    guard let buffer = qmp_rl_line_buffer() else { return "" }
    let count = Int(max(0, qmp_rl_end()))
    return buffer.withMemoryRebound(to: UInt8.self, capacity: count) {
      String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
    }
  }

  // MARK: Lines

  /// Readline's line handler: a line was accepted (or nil: end of input).
  func handleLine(_ text: String?) {
    guard let text else {
      rl_callback_handler_remove()
      loopState.withLock { state in
        state.handlerInstalled = false
        state.exitReason = .endOfInput
      }
      TerminalOutput.write(Array("\n".utf8))  // readline leaves the cursor after the prompt
      return
    }
    loopState.withLock { state in
      state.inLineHandler = true
      state.queuedLines.append(
        contentsOf: text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      )
    }
    deliverQueuedLines()
    synchronize()
    loopState.withLock { $0.inLineHandler = false }
  }

  /// Hands queued lines to the owner one by one, pausing while input is disabled (a pasted
  /// block then waits behind the command in flight, as if typed ahead).
  private func deliverQueuedLines() {
    while editor.shared.withLock({ $0.inputEnabled && !$0.stopRequested }) {
      let next = loopState.withLock { state -> String? in
        state.queuedLines.isEmpty ? nil : state.queuedLines.removeFirst()
      }
      guard let line = next else { return }
      record(line)
      onLine(line)
    }
  }

  /// Adds a line to the history (memory and file), unless empty or equal to the previous one.
  private func record(_ line: String) {
    let (previous, file) = loopState.withLock { ($0.lastHistoryEntry, $0.history) }
    guard let entry = HistoryFile.entry(for: line, after: previous) else { return }
    add_history(entry)
    var warning: String?
    var updated = file
    if var history = file {
      do {
        try history.append(entry)
        updated = history
      } catch {
        warning = "warning: \(error.description); history is no longer saved"
        updated = nil
      }
    }
    loopState.withLock { state in
      state.lastHistoryEntry = entry
      state.history = updated
    }
    if let warning { editor.print(warning) }
  }

  // MARK: Signals

  private func handleSignal(_ number: Int32) {
    switch number {
    case SIGINT:
      interrupt()
    case SIGWINCH:
      if loopState.withLock({ $0.handlerInstalled }) {
        rl_resize_terminal()
      } else {
        rl_reset_screen_size()
      }
    case SIGTERM, SIGHUP:
      loopState.withLock { $0.exitReason = .signal(number) }
    case SIGTSTP:
      // Give the shell a sane terminal while we are stopped, then take it back.
      rl_deprep_terminal()
      signals.stopProcess()
      prepareTerminalAgain()
    case SIGCONT:
      prepareTerminalAgain()
    default:
      break
    }
  }

  /// After a stop, the shell that continued us may have left the terminal in its own mode:
  /// set readline's mode again (if the editor had set it up) and redraw the line.
  private func prepareTerminalAgain() {
    let (installed, prepared) = loopState.withLock { ($0.handlerInstalled, $0.terminalPrepared) }
    guard prepared else { return }
    rl_deprep_terminal()  // no-op if already restored; forgets stale saved settings otherwise
    rl_prep_terminal(1)
    if installed { rl_forced_update_display() }
  }

  /// Ctrl-C: at the prompt, drop the line and show a fresh prompt; while input is disabled,
  /// tell the owner so it stops waiting (and drop pasted lines still queued).
  private func interrupt() {
    let installed = loopState.withLock { state -> Bool in
      state.queuedLines.removeAll()
      return state.handlerInstalled
    }
    guard installed else {
      editor.configuration.onInterrupt?(.pending)
      return
    }
    let discarded = currentLine()
    rl_free_line_state()
    rl_callback_sigcleanup()
    qmp_rl_set_point(qmp_rl_end())
    rl_redisplay()
    fputs("^C", qmp_rl_outstream())
    rl_crlf()
    rl_replace_line("", 1)
    using_history()
    rl_on_new_line()
    rl_redisplay()
    editor.configuration.onInterrupt?(.prompt(discardedLine: discarded))
  }

  // MARK: Completion

  /// Asks the provider for candidates for the word between byte offsets `start` and `end`.
  func complete(start: Int, end: Int) -> CompletionMatches? {
    guard let provider = editor.configuration.completion,
      let buffer = qmp_rl_line_buffer()
    else { return nil }
    let count = Int(max(0, qmp_rl_end()))
    let (before, word, after) = buffer.withMemoryRebound(to: UInt8.self, capacity: count) {
      pointer in
      let bytes = UnsafeBufferPointer(start: pointer, count: count)
      let wordStart = min(max(0, start), count)
      let cursor = min(max(wordStart, end), count)
      return (
        String(decoding: bytes[0..<wordStart], as: UTF8.self),
        String(decoding: bytes[wordStart..<cursor], as: UTF8.self),
        String(decoding: bytes[cursor..<count], as: UTF8.self)
      )
    }
    let line = before + word + after
    let wordStart = line.utf8.index(line.startIndex, offsetBy: before.utf8.count)
    let cursor = line.utf8.index(wordStart, offsetBy: word.utf8.count)
    let request = CompletionRequest(line: line, wordStart: wordStart, cursor: cursor)
    return CompletionMatches(word: request.word, candidates: provider(request))
  }
}

// MARK: C callbacks (no context: they reach the session through `readlineOwner`)

private func readlineLineHandler(_ pointer: UnsafeMutablePointer<CChar>?) {
  let text = pointer.map { String(cString: $0) }
  free(pointer)
  ReadlineSession.current?.handleLine(text)
}

private func readlineCompletion(
  _ text: UnsafePointer<CChar>?, _ start: Int32, _ end: Int32
) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? {
  qmp_rl_set_attempted_completion_over(1)  // never fall back to file names
  guard let result = ReadlineSession.current?.complete(start: Int(start), end: Int(end)) else {
    return nil
  }
  if result.suppressAppend { qmp_rl_set_completion_suppress_append(1) }
  // readline frees the array and its strings: malloc and strdup them.
  let words = result.matches.count == 1 ? [] : result.matches
  let slots = words.count + 2
  guard let raw = malloc(slots * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride) else {
    return nil
  }
  let array = raw.bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: slots)
  array[0] = strdup(result.substitution)
  for (index, word) in words.enumerated() { array[index + 1] = strdup(word) }
  array[words.count + 1] = nil
  return array
}
