import QMPClient
import QMPCodec

/// Script mode: runs commands from `-c`, a file or stdin in order, each after the previous
/// reply, printing every reply and event as it arrived; then optionally waits for an event.
///
/// The first failure stops the run (unless `keepGoing`) and decides the exit status; a lost
/// connection or an interrupt always stops it. Every reply that arrived is printed before the
/// run ends.
public struct ScriptRunner: Sendable {
  public var options: ScriptOptions
  let stdout: OutputSink
  var diagnostics: Diagnostics

  public init(
    options: ScriptOptions, stdout: OutputSink = .standardOutput,
    diagnostics: Diagnostics = Diagnostics()
  ) {
    self.options = options
    self.stdout = stdout
    self.diagnostics = diagnostics
  }

  /// Runs the script on a connected client. `transcript` must have been subscribed before
  /// connecting (with ``OverflowPolicy/suspendReader``) so that no event is missed.
  public func run(client: QMPClient, transcript: TranscriptSubscription) async -> ExitStatus {
    let output = StdoutBatcher(
      sink: stdout, eventLoop: stdout.isTerminal ? nil : client.eventLoop)
    var runner = self
    runner.diagnostics = diagnostics.flushing { try? output.flush() }
    let status = await runner.run(client: client, transcript: transcript, output: output)
    try? output.flush()
    return status
  }

  private func run(client: QMPClient, transcript: TranscriptSubscription, output: StdoutBatcher)
    async -> ExitStatus
  {
    let diagnostics = diagnostics
    let printer = TranscriptPrinter(
      formatter: MessageFormatter(options: options.output),
      output: PrinterOutput(
        write: { bytes in try output.write(bytes) },
        warn: { message in diagnostics.warn(message) }),
      waitFor: options.waitEvent?.filter)
    // On the client's loop, like the caller (see ScriptSession): the reply the printer
    // takes from the transcript, and the runner it wakes, stay on that one thread.
    let printing = Task(executorPreference: client.taskExecutor) {
      await printer.run(transcript)
    }
    var status = await runCommands(client: client, printer: printer, output: output)
    do {
      try await client.disconnect()
    } catch QMPClientError.connectionLost(.endOfFile) {
      // The peer hung up after the last reply: every command was answered and printed, so
      // nothing was lost. Whether that EOF was read before this disconnect is a race; the
      // status must not depend on it.
    } catch {
      if status == .success {
        diagnostics.error("\(error)")
        status = .connectionLost
      }
    }
    await printing.value
    return status
  }

  private func runCommands(
    client: QMPClient, printer: TranscriptPrinter, output: StdoutBatcher
  ) async -> ExitStatus {
    var failure: ExitStatus?
    func record(_ status: ExitStatus, _ message: String) {
      diagnostics.error(message)
      if failure == nil { failure = status }
    }

    var lines: ScriptLines
    do {
      lines = try options.source.open()
    } catch {
      record(error.status, error.message)
      return error.status
    }
    var reader = CommandReader(mode: options.mode)
    var schemaLoaded = !options.usesSchema || options.mode != .qmp
    var number = 0
    var stopped = false

    reading: while true {
      let line: String?
      do {
        line = try await Self.nextLine(of: &lines, flushing: output)
      } catch {
        record(error.status, error.message)
        stopped = true
        break
      }
      guard let line else { break }
      number += 1
      if printer.outputClosed || output.isClosed {
        stopped = true
        break
      }
      if !schemaLoaded && Self.needsSchema(line) {
        schemaLoaded = true
        reader.schema = await SchemaLoader.load(
          from: client, diagnostics: diagnostics, timeout: options.timeout)
      }
      let outcome: ReadOutcome
      do {
        outcome = try reader.read(line, number: number)
      } catch {
        record(.usage, error.description)
        if options.keepGoing { continue }
        stopped = true
        break
      }
      switch outcome {
      case .nothing, .needsMore:
        continue
      case .meta(.quit):
        stopped = true
        break reading
      case .meta(.help(let topic)):
        try? output.write(Array(ShellHelp.text(topic: topic, schema: reader.schema).utf8))
      case .command(let command):
        guard
          let (status, message) = await execute(
            command, line: number, client: client, printer: printer)
        else { continue }
        record(status, message)
        let fatal = status == .connectionLost || status == .interrupted
        if fatal || !options.keepGoing {
          stopped = true
          break reading
        }
      }
    }
    if !stopped {
      do {
        try reader.finish()
      } catch {
        record(.usage, error.description)
      }
    }
    if printer.outputClosed { return failure ?? .success }
    if let wait = options.waitEvent,
      failure == nil || (options.keepGoing && failure != .connectionLost)
    {
      if let (status, message) = await waitForEvent(wait, client: client, printer: printer) {
        record(status, message)
      }
    }
    return failure ?? .success
  }

  /// Sends one command and waits until its reply has been printed. Returns the failure, if
  /// any, with its message.
  private func execute(
    _ command: QMPCommand, line: Int, client: QMPClient, printer: TranscriptPrinter
  ) async -> (ExitStatus, String)? {
    var command = command
    let userID = command.id
    let id = userID ?? .string("qmp-shell-\(line)")
    command.id = id
    printer.expect(id, showID: userID != nil)
    if options.echoCommands {
      var shown = command
      if userID == nil { shown.id = nil }
      diagnostics.note("sending \(shown.json.serialized())")
    }
    do {
      let reply = try await client.send(command, timeout: options.timeout)
      guard await printer.waitUntilPrinted(id) else {
        return printer.outputClosed ? nil : (.connectionLost, "connection lost while printing")
      }
      if case .failure(let error) = reply.result {
        return (.commandFailed, "line \(line): \(command.name): \(error)")
      }
      return nil
    } catch let error as QMPClientError {
      printer.forget(id)
      switch error {
      case .timedOut(_, let after):
        return (.timeout, "line \(line): no reply to \(command.name) within \(after.secondsText)")
      case .connectionLost(let reason):
        return (
          .connectionLost,
          "line \(line): connection lost before \(command.name) was answered: \(reason)"
        )
      case .notConnected:
        let reason = client.disconnectReason ?? printer.endReason
        return (
          .connectionLost,
          "line \(line): connection lost before \(command.name) was sent: \(reason.map { "\($0)" } ?? "the connection is closed")"
        )
      case .duplicateID(let id):
        return (.usage, "line \(line): id \(id.serialized()) is already used by a pending command")
      default:
        return (.usage, "line \(line): \(error)")
      }
    } catch is CancellationError {
      return (.interrupted, "interrupted")
    } catch {
      printer.forget(id)
      return (.connectionLost, "line \(line): \(error)")
    }
  }

  private func waitForEvent(_ wait: EventWait, client: QMPClient, printer: TranscriptPrinter) async
    -> (ExitStatus, String)?
  {
    enum Outcome: Sendable { case event(QMPEvent?), timedOut }
    let timeout = options.timeout
    let outcome: Outcome = await withTaskGroup(of: Outcome.self) { group in
      group.addTask { .event(await printer.waitForMatch()) }
      if let timeout {
        group.addTask {
          do {
            try await Task.sleep(for: timeout)
            return .timedOut
          } catch {
            return .event(nil)
          }
        }
      }
      let first = await group.next() ?? .event(nil)
      group.cancelAll()
      return first
    }
    switch outcome {
    case .event(.some):
      return nil
    case .event(.none):
      if Task.isCancelled { return (.interrupted, "interrupted while waiting for \(wait.name)") }
      if printer.outputClosed { return nil }
      let reason = client.disconnectReason.map { "\($0)" } ?? "connection lost"
      return (.connectionLost, "connection lost while waiting for \(wait.name): \(reason)")
    case .timedOut:
      return (.timeout, "no matching \(wait.name) event within \(timeout?.secondsText ?? "")")
    }
  }
}

extension ScriptRunner {
  /// The next script line. A read that would wait for input (a pipe whose writer is slow)
  /// runs on the global pool, not on the event loop this task prefers: a blocked loop could
  /// not print the events that arrive meanwhile.
  static func nextLine(of lines: inout ScriptLines, flushing output: StdoutBatcher? = nil)
    async throws(ShellError) -> String?
  {
    guard lines.mayBlock else { return try lines.nextLine() }
    // Whoever feeds us may be waiting for the last reply before it sends the next line.
    try? output?.flush()
    var moved = lines
    let result = await withTaskExecutorPreference(globalConcurrentExecutor) {
      () -> Result<String?, ShellError> in
      do throws(ShellError) {
        return .success(try moved.nextLine())
      } catch {
        return .failure(error)
      }
    }
    lines = moved
    return try result.get()
  }

  /// Whether a line gains from the schema: arguments to type, or `.help COMMAND`. A bare
  /// command name does not (QEMU itself says if it is unknown), so a script of plain
  /// `query-status` lines never pays for the ~200 KB schema.
  /// Looks at UTF-8 bytes, not characters: `String.contains(Character)` walks grapheme
  /// clusters, and did so for every line of a lock-step script (2% of its instructions).
  static func needsSchema(_ line: String) -> Bool {
    let bytes = line.utf8
    return bytes.contains(UInt8(ascii: "="))
      || bytes.drop(while: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") })
        .starts(with: ".help ".utf8)
  }
}

extension Duration {
  /// "5 s", "0.25 s": how durations read in messages.
  var secondsText: String {
    let (seconds, attoseconds) = components
    if attoseconds == 0 { return "\(seconds) s" }
    let value = Double(seconds) + Double(attoseconds) / 1e18
    return "\(value) s"
  }
}
