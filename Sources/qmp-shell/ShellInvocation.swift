import QMPClient
import QMPCodec
import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

/// What the command line asked for, as plain values, and the code that carries it out.
///
/// ``QMPShellCommand`` (ArgumentParser) fills it for every command line; ``init(fastParsing:)``
/// fills it for the common short ones without ArgumentParser, whose reflection costs about a
/// quarter of a one-shot `qmp-shell SOCK -c query-status` (perf, release build).
struct ShellInvocation: Equatable {
  var address: String?
  var commands: [String] = []
  var dryRun = false
  var hmp = false
  var schemaFile: String?
  var pretty = false
  var scriptFile: String?
  var returnValue = false
  var noEvents = false
  var keepGoing = false
  var waitEvent: String?
  var matches: [String] = []
  var timeout: Double?
  var connectTimeout: Double?
  var color: ColorMode = .auto
  var history: String?
  var verbose = false
  var logfile: String?
  var launch = LaunchSettings()

  /// The longest `--timeout` or `--connect-timeout` taken, in seconds (about 31 years). Time
  /// arithmetic is done in 64-bit nanoseconds (NIO's deadlines), which hold 292 years: a
  /// larger value, or `inf`, would trap there instead of being refused here.
  static let maximumTimeout: Double = 1_000_000_000

  /// Whether `seconds` is a timeout the shell takes: positive, finite, at most
  /// ``maximumTimeout``.
  static func isValidTimeout(_ seconds: Double) -> Bool {
    seconds > 0 && seconds <= maximumTimeout
  }

  /// The environment variables the shell reads: `QMP_SOCKET` (the default address),
  /// `QMP_SHELL_LOG` (diagnostic logging), `NO_COLOR` and `TERM` (colours), `TMPDIR`
  /// (`--launch`'s private folder). Only these are copied out of the environment: a dictionary
  /// of all of it cost about 3% of a one-shot.
  static let environmentNames = ["QMP_SOCKET", "QMP_SHELL_LOG", "NO_COLOR", "TERM", "TMPDIR"]

  /// Exit status 2 after a message on stderr, or the session's status.
  struct Failure: Error {
    var status: Int32
  }

  func run() async throws(Failure) {
    if dryRun {
      try runDryRun()
      return
    }
    let environment = ProcessEnvironment.values(of: Self.environmentNames)
    let target: SessionTarget
    do {
      target = try launch.target(address: address, environment: environment)
    } catch {
      printError(error.message)
      throw Failure(status: 2)
    }
    let wireLog = try openWireLog()
    let source: ScriptSource
    if !commands.isEmpty {
      source = .commands(
        commands.flatMap {
          $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        })
    } else if let scriptFile {
      source = .file(scriptFile)
    } else if isatty(STDIN_FILENO) == 0 {
      source = .standardInput
    } else {
      let status = await runInteractive(target: target, environment: environment, wireLog: wireLog)
      if status != .success { throw Failure(status: status.rawValue) }
      return
    }
    let status = await runScript(
      target: target, source: source, environment: environment, wireLog: wireLog)
    if status != .success { throw Failure(status: status.rawValue) }
  }

  /// Opens the `-l` log, or says why it cannot (a usage error: nothing has happened yet).
  private func openWireLog() throws(Failure) -> WireLog? {
    guard let logfile else { return nil }
    do {
      return try WireLog(path: logfile)
    } catch {
      printError(error.description)
      throw Failure(status: 2)
    }
  }

  private func runInteractive(
    target: SessionTarget, environment: [String: String], wireLog: WireLog?
  ) async
    -> ExitStatus
  {
    let isTerminal = isatty(STDOUT_FILENO) == 1
    let useColor = color.resolve(isTerminal: isTerminal, environment: environment)
    let output = OutputOptions(
      style: pretty ? .pretty : .compact, colors: useColor ? .default : nil,
      returnValueOnly: returnValue, showEvents: !noEvents, hmpText: hmp,
      escapeControlCharacters: isTerminal)
    var options = InteractiveOptions(
      mode: hmp ? .hmp : .qmp, output: output,
      historyPath: history ?? LineEditorConfiguration.defaultHistoryPath(),
      timeout: timeout.map { .seconds($0) }, echoCommands: verbose)
    options.wireLog = wireLog
    var configuration = QMPClient.Configuration()
    configuration.connectTimeout = .seconds(connectTimeout ?? launch.defaultConnectTimeout)
    launch.configure(&configuration)
    return await target.run(retryFor: connectTimeout.map { .seconds($0) }, environment: environment)
    {
      [configuration, options] endpoint, connector in
      await InteractiveSession.run(
        endpoint: endpoint, configuration: configuration, connector: connector, options: options)
    }
  }

  private func runScript(
    target: SessionTarget, source: ScriptSource, environment: [String: String], wireLog: WireLog?
  )
    async -> ExitStatus
  {
    let useColor = color.resolve(isTerminal: isatty(STDOUT_FILENO) == 1, environment: environment)
    let output = OutputOptions(
      style: pretty ? .pretty : .compact, colors: useColor ? .default : nil,
      returnValueOnly: returnValue, showEvents: !noEvents, hmpText: hmp,
      escapeControlCharacters: isatty(STDOUT_FILENO) == 1)
    var eventWait: EventWait?
    if let waitEvent {
      let pairs = matches.map { match -> (key: String, value: JSONValue) in
        let equals = match.firstIndex(of: "=")!
        return (String(match[..<equals]), .string(String(match[match.index(after: equals)...])))
      }
      eventWait = EventWait(name: waitEvent, filter: .name(waitEvent, data: pairs))
    }
    var options = ScriptOptions(
      source: source, mode: hmp ? .hmp : .qmp, timeout: timeout.map { .seconds($0) },
      keepGoing: keepGoing, waitEvent: eventWait, output: output, usesSchema: !launch.agent)
    options.echoCommands = verbose
    options.wireLog = wireLog
    var configuration = QMPClient.Configuration()
    configuration.connectTimeout = .seconds(connectTimeout ?? launch.defaultConnectTimeout)
    launch.configure(&configuration)
    let retryFor = connectTimeout.map { Duration.seconds($0) }
    // Watch the signals before connecting: one that comes early is not lost.
    let signals = SignalCancellation()
    let task = Task(executorPreference: EventLoops.sharedLoopExecutor()) {
      [configuration, options] in
      await target.run(retryFor: retryFor, environment: environment) {
        endpoint, connector in
        await ScriptSession.run(
          endpoint: endpoint, configuration: configuration, connector: connector, options: options)
      }
    }
    signals.attach(task)
    let status = await task.value
    signals.cancel()
    return status
  }

  private func runDryRun() throws(Failure) {
    var schema: QMPSchema?
    if let schemaFile {
      let bytes: [UInt8]
      do {
        bytes = try readFile(schemaFile)
      } catch {
        printError(error.description)
        throw Failure(status: 2)
      }
      do {
        schema = try QMPSchema(contentsOf: bytes)
      } catch {
        printError("\(schemaFile): \(error)")
        throw Failure(status: 2)
      }
    }
    let dryRun = DryRun(
      mode: hmp ? .hmp : .qmp, style: pretty ? .pretty : .compact, schema: schema)
    let lines: AnySequence<String> =
      commands.isEmpty
      ? AnySequence(StandardInputLines())
      : AnySequence(
        commands.lazy.flatMap {
          $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        })
    let outcome = dryRun.run(lines: lines) { text in
      print(text, terminator: "")
    }
    if case .failure(let error) = outcome {
      printError(error.description)
    }
    if outcome.exitStatus != 0 { throw Failure(status: outcome.exitStatus) }
  }
}
