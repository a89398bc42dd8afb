import NIOConcurrencyHelpers
import QMPClient
import QMPCodec

/// The interactive shell: a readline prompt on the terminal, QMP on the socket, and events
/// printed above the prompt the moment they arrive.
///
/// Three actors share the work: the line editor's own thread (keys, prompt, completion), one
/// task that reads the client's wire-order transcript and hands every reply and event to the
/// editor, and one task that runs the typed commands in order. A command hides the prompt
/// until its reply has been printed; Ctrl-C stops the wait (a reply that comes later is shown
/// as late); Ctrl-D leaves. When QEMU goes away the shell says why and exits with status 4.
public enum InteractiveSession {
  public static func run(
    endpoint: Endpoint, configuration: QMPClient.Configuration, connector: Connector,
    options: InteractiveOptions, diagnostics: Diagnostics = Diagnostics()
  ) async -> ExitStatus {
    let session: OpenSession
    switch await OpenSession.open(
      endpoint: endpoint, configuration: configuration, connector: connector,
      wireLog: options.wireLog, diagnostics: diagnostics)
    {
    case .success(let opened): session = opened
    case .failure(let error): return error.status
    }
    let client = session.client
    let transcript = session.transcript

    let isAgent = configuration.mode == .guestAgent
    let vmName = isAgent ? nil : await queryName(client)
    let basePrompt = isAgent ? GuestAgentCommands.prompt : vmName.map { "(\($0)) " } ?? "(QEMU) "
    try? OutputSink.standardOutput.write(banner(client: client, vmName: vmName, isAgent: isAgent))

    // What completion and typing need, fetched before the prompt appears so the first Tab
    // already knows every command (one ~200 KB reply: tens of milliseconds).
    // Typed lines and Ctrl-C at the prompt, in the order they happened.
    let (inputs, inputSink) = AsyncStream.makeStream(of: EditorInput.self)
    let model = CompletionModel(mode: options.mode)
    await learn(client: client, model: model, mode: options.mode, isAgent: isAgent)
    let pending = PendingCommand()
    let editor: LineEditor
    do {
      editor = try LineEditor(
        configuration: LineEditorConfiguration(
          prompt: basePrompt, historyPath: options.historyPath,
          completion: { model.complete($0) },
          onInterrupt: { interruption in
            switch interruption {
            case .pending: pending.cancel()
            // The line is gone; a half-read transaction or JSON command must go too.
            case .prompt: inputSink.yield(.interrupt)
            }
          }))
    } catch {
      diagnostics.error("cannot start the line editor: \(error)")
      try? await client.disconnect()
      return .usage
    }

    let printer = TranscriptPrinter(
      formatter: MessageFormatter(options: options.output),
      output: PrinterOutput(
        write: { bytes in editor.print(String(decoding: bytes, as: UTF8.self)) },
        warn: { message in editor.print("qmp-shell: " + TerminalText.sanitized(message)) }))
    let lostConnection = NIOLockedValueBox<DisconnectReason?>(nil)
    let closing = NIOLockedValueBox(false)
    let printing = Task {
      await printer.run(transcript)
      // The transcript ends with the connection. Unless we closed it, say so and leave.
      if !closing.withLock({ $0 }) {
        let reason = client.disconnectReason ?? printer.endReason ?? .endOfFile
        lostConnection.withLock { $0 = reason }
        editor.stop()
      }
    }

    let commands = Task {
      await runCommands(
        inputs: inputs, client: client, editor: editor, printer: printer, model: model,
        pending: pending, basePrompt: basePrompt, options: options)
    }

    let exitReason: LineEditor.ExitReason
    do {
      exitReason = try await editor.runOnOwnThread { line in
        editor.setInputEnabled(false)
        inputSink.yield(.line(line))
      }
    } catch {
      exitReason = .stopped
      diagnostics.error("line editor failed: \(error)")
    }
    inputSink.finish()
    pending.cancel()
    commands.cancel()
    _ = await commands.value
    closing.withLock { $0 = true }
    try? await client.disconnect()
    await printing.value
    // The schema is the one big structure left, and the process exits right after we return.
    // Dropping it here keeps LeakSanitizer's exit check meaningful: the schema's variant lists
    // sit in enum payloads whose spare pointer bits carry the case, which LeakSanitizer does
    // not recognise as pointers, so a schema still alive at exit() (a finished task's context
    // not yet released on another thread) was reported as leaked (`scripts/check-sanitizers
    // address`, once in a full run).
    model.setSchema(nil)

    if let reason = lostConnection.withLock({ $0 }) {
      // The editor has restored the terminal; its last prompt may still be on the line.
      let clear = OutputSink.standardError.isTerminal ? "\r\u{1B}[K" : ""
      try? OutputSink.standardError.write(clear + "qmp-shell: connection closed: \(reason)\n")
      return .connectionLost
    }
    if case .signal = exitReason { return .interrupted }
    return .success
  }

  /// Runs typed lines in order; each command hides the prompt until its reply is printed.
  private static func runCommands(
    inputs: AsyncStream<EditorInput>, client: QMPClient, editor: LineEditor,
    printer: TranscriptPrinter, model: CompletionModel, pending: PendingCommand,
    basePrompt: String, options: InteractiveOptions
  ) async {
    var reader = CommandReader(mode: options.mode)
    var number = 0
    func showPrompt() {
      model.setPrompt(reader.prompt)
      editor.setPrompt(reader.prompt == .command ? basePrompt : reader.prompt.text)
      editor.setInputEnabled(true)
    }
    for await input in inputs {
      guard case .line(let line) = input else {
        reader.reset()
        showPrompt()
        continue
      }
      number += 1
      if reader.schema == nil, let schema = model.schema { reader.schema = schema }
      let outcome: ReadOutcome
      do {
        outcome = try reader.read(line, number: number)
      } catch {
        editor.print("qmp-shell: column \(error.column): \(TerminalText.sanitized(error.message))")
        showPrompt()
        continue
      }
      switch outcome {
      case .nothing, .needsMore:
        break
      case .meta(.quit):
        editor.stop()
        return
      case .meta(.help(let topic)):
        editor.print(ShellHelp.text(topic: topic, schema: reader.schema))
      case .command(let command):
        await execute(
          command, number: number, client: client, editor: editor, printer: printer,
          pending: pending, options: options)
      }
      showPrompt()
    }
  }

  private static func execute(
    _ command: QMPCommand, number: Int, client: QMPClient, editor: LineEditor,
    printer: TranscriptPrinter, pending: PendingCommand, options: InteractiveOptions
  ) async {
    var command = command
    let userID = command.id
    let id = userID ?? .string("qmp-shell-\(number)")
    command.id = id
    if options.echoCommands {
      var shown = command
      if userID == nil { shown.id = nil }
      editor.print(shown.json.serialized(options.output.style))
    }
    printer.expect(id, showID: userID != nil)
    let outcome = NIOLockedValueBox<String?>(nil)
    pending.begin()
    let task = Task {
      do {
        _ = try await client.send(command, timeout: options.timeout)
        _ = await printer.waitUntilPrinted(id)
      } catch is CancellationError {
        printer.forget(id)
        outcome.withLock {
          $0 = "stopped waiting for \(command.name); a reply that comes later is shown as late"
        }
      } catch let error as QMPClientError {
        printer.forget(id)
        switch error {
        case .timedOut(_, let after):
          outcome.withLock { $0 = "no reply to \(command.name) within \(after.secondsText)" }
        case .connectionLost, .notConnected:
          // The transcript's end reports the reason once.
          break
        default:
          outcome.withLock { $0 = "\(error)" }
        }
      } catch {
        printer.forget(id)
        outcome.withLock { $0 = "\(error)" }
      }
    }
    pending.attach(task)
    await task.value
    pending.end()
    if let message = outcome.withLock({ $0 }) {
      editor.print("qmp-shell: " + TerminalText.sanitized(message))
    }
  }

  private static func queryName(_ client: QMPClient) async -> String? {
    guard let value = try? await client.execute("query-name", timeout: .seconds(5)) else {
      return nil
    }
    return value["name"]?.stringValue.map(TerminalText.sanitized)
  }

  private static func banner(client: QMPClient, vmName: String?, isAgent: Bool) -> String {
    var text: String
    if isAgent {
      text = "Connected to the QEMU guest agent"
    } else if let greeting = client.greeting {
      let version = greeting.qemuVersion
      text = "Connected to QEMU \(version.major).\(version.minor).\(version.micro)"
      if !greeting.package.isEmpty { text += " (\(TerminalText.sanitized(greeting.package)))" }
    } else {
      text = "Connected"
    }
    if let vmName { text += ", VM \"\(vmName)\"" }
    return text + ". Type .help for help, Ctrl-D to leave.\n"
  }

  /// Fetches what completion and typing need, after the prompt is up.
  private static func learn(
    client: QMPClient, model: CompletionModel, mode: CommandReader.Mode, isAgent: Bool
  ) async {
    if isAgent {
      model.setAgentCommands(await GuestAgentCommands.names(from: client))
      return
    }
    if mode == .hmp {
      let commands = await hmpWords(client: client, line: "help", wordIndex: 0)
      let topics = await hmpWords(client: client, line: "info", wordIndex: 1)
      model.setHMPCommands(commands, infoTopics: topics)
    } else {
      model.setSchema(await SchemaLoader.load(from: client, diagnostics: Diagnostics()))
    }
  }

  /// The `wordIndex`th word of each line of an HMP help text (`help`: names; `info`: topics).
  private static func hmpWords(client: QMPClient, line: String, wordIndex: Int) async -> [String] {
    guard
      let text = try? await client.execute(
        "human-monitor-command", arguments: ["command-line": .string(line)], timeout: .seconds(10)
      ).stringValue
    else { return [] }
    var words: Set<String> = []
    for row in text.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character
      let parts = row.split(separator: " ", omittingEmptySubsequences: true)
      guard parts.count > wordIndex else { continue }
      // "info balloon  -- show ..." and "c|cont  -- resume": every alias is a name.
      for name in parts[wordIndex].split(separator: "|") where !name.hasPrefix("-") {
        words.insert(String(name))
      }
    }
    return words.sorted()
  }
}

/// What the line editor hands the command loop.
enum EditorInput: Sendable {
  case line(String)
  /// Ctrl-C at the prompt: the typed line was discarded.
  case interrupt
}
