import ArgumentParser
import QMPClient
import QMPCodec
import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

/// The `qmp-shell` command line. It only parses arguments; the work is in `QMPShell`.
/// ``ShellMain`` is the entry point; it comes here for what the fast path does not take.
struct QMPShellCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "qmp-shell",
    abstract: "A shell for the QEMU Machine Protocol.",
    discussion: """
      \(ShellHelp.syntax)

      --hmp reads HMP command lines instead (sent with human-monitor-command);
      'cpu N' is kept by the shell and sent as cpu-index from then on.

      --dry-run prints each command as one JSON line, exactly as it would be
      sent (with no id unless the input has one), without connecting. Input
      comes from -c (repeatable) or standard input. A line that cannot be
      read is reported as 'qmp-shell: line L, column C: message' (status 2).

      Exit status: 0 success, 1 QMP error, 2 usage or syntax error,
      3 cannot connect, 4 connection lost, 5 timeout, 130 interrupted.
      """,
    version: "0.1.0"
  )

  @Argument(help: "The QMP socket: a UNIX socket path or HOST:PORT (default: $QMP_SOCKET).")
  var address: String?

  @Option(
    name: [.customShort("c"), .customLong("command")],
    help: "Run this command line (repeatable); standard input is not read.")
  var commands: [String] = []

  @Flag(
    name: [.customShort("n"), .long], help: "Print the JSON of each command instead of sending it.")
  var dryRun = false

  @Flag(
    name: [.customShort("H"), .long],
    help: "Read HMP command lines (sent through human-monitor-command).")
  var hmp = false

  @Option(
    name: .customLong("schema"),
    help: ArgumentHelp(
      "With --dry-run: type values by this saved query-qmp-schema result, as a live session would.",
      valueName: "FILE"))
  var schemaFile: String?

  @Flag(name: [.customShort("p"), .long], help: "Print JSON indented over several lines.")
  var pretty = false

  @Option(
    name: [.customShort("f"), .customLong("file")],
    help: ArgumentHelp(
      "Run the command lines in FILE; standard input is not read.", valueName: "FILE"))
  var scriptFile: String?

  @Flag(
    name: [.customShort("r"), .long],
    help: "Print only each reply's return value (a string as plain text).")
  var returnValue = false

  @Flag(name: .customLong("no-events"), help: "Leave events out of the output.")
  var noEvents = false

  @Flag(
    name: [.customShort("k"), .long],
    help: "Run every command even after a failure; the exit status is the first failure's.")
  var keepGoing = false

  @Option(
    name: .customLong("wait-event"),
    help: ArgumentHelp(
      "After the commands, wait for the first event called NAME (counted from connect time) and print it.",
      valueName: "NAME"))
  var waitEvent: String?

  @Option(
    name: .customLong("match"),
    help: ArgumentHelp(
      "With --wait-event: the event's data must have KEY=VALUE (repeatable; dotted keys look into nested objects).",
      valueName: "KEY=VALUE"))
  var matches: [String] = []

  // `.unconditional`: `--timeout -1` must reach validate() ("must be a positive number")
  // instead of ArgumentParser reading -1 as an option and saying the value is missing.
  @Option(
    name: .customLong("timeout"), parsing: .unconditional,
    help: ArgumentHelp(
      "Give up waiting for a reply or the event after SECONDS (exit 5).", valueName: "SECONDS"))
  var timeout: Double?

  @Option(
    name: .customLong("connect-timeout"), parsing: .unconditional,
    help: ArgumentHelp(
      "Keep retrying a missing or refusing socket for up to SECONDS (also bounds the greeting).",
      valueName: "SECONDS"))
  var connectTimeout: Double?

  @Option(
    name: .customLong("color"),
    help: ArgumentHelp(
      "Colour JSON on a terminal: auto, always or never (NO_COLOR is honoured).", valueName: "WHEN")
  )
  var color: ColorMode = .auto

  @Option(
    name: .customLong("history"),
    help: ArgumentHelp(
      "Keep the interactive history in FILE (default ~/.qmp-shell_history).", valueName: "FILE"))
  var history: String?

  @Flag(name: [.customShort("v"), .long], help: "Show the JSON of each command before it is sent.")
  var verbose = false

  @Option(
    name: [.customShort("l"), .customLong("logfile")],
    help: ArgumentHelp(
      "Append every message sent and received to FILE, with time and direction (mode 0600).",
      valueName: "FILE"))
  var logfile: String?

  @OptionGroup var launchOptions: LaunchOptions

  mutating func validate() throws {
    for (value, name) in [(timeout, "--timeout"), (connectTimeout, "--connect-timeout")] {
      if let value, !ShellInvocation.isValidTimeout(value) {
        throw ValidationError(
          "\(name) must be a positive number of seconds, at most \(Int(ShellInvocation.maximumTimeout)) (got \(value))"
        )
      }
    }
    if !matches.isEmpty && waitEvent == nil { throw ValidationError("--match needs --wait-event") }
    for match in matches where !match.contains("=") || match.hasPrefix("=") {
      throw ValidationError("--match takes KEY=VALUE, got '\(match)'")
    }
    if !commands.isEmpty && scriptFile != nil {
      throw ValidationError("-c and -f cannot be used together")
    }
    // A dry run never connects: a QEMU started or awaited for it would only be stopped again.
    for (given, name) in [(launchOptions.launch, "--launch"), (launchOptions.listen, "--listen")]
    where dryRun && given {
      throw ValidationError("--dry-run does not connect: it cannot be used with \(name)")
    }
  }

  /// The parsed values, for ``ShellInvocation`` to act on.
  var invocation: ShellInvocation {
    ShellInvocation(
      address: address, commands: commands, dryRun: dryRun, hmp: hmp, schemaFile: schemaFile,
      pretty: pretty, scriptFile: scriptFile, returnValue: returnValue, noEvents: noEvents,
      keepGoing: keepGoing, waitEvent: waitEvent, matches: matches, timeout: timeout,
      connectTimeout: connectTimeout, color: color, history: history, verbose: verbose,
      logfile: logfile, launch: launchOptions.settings)
  }

  func run() async throws {
    do {
      try await invocation.run()
    } catch {
      throw ExitCode(error.status)
    }
  }

  /// Parses the command line with ArgumentParser and runs it; returns the exit status.
  /// Usage errors exit with status 2 (ArgumentParser's default is 64).
  static func parseAndRun() async -> Int32 {
    do {
      var command = try parseAsRoot()
      if var asyncCommand = command as? AsyncParsableCommand {
        try await asyncCommand.run()
      } else {
        try command.run()
      }
      return 0
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        printError(usageLine(for: error))
        return 2
      }
      exit(withError: error)
    }
  }
}

extension QMPShellCommand {
  /// A usage error as one line, like every other diagnostic: what was wrong, and where to
  /// look. ArgumentParser's own text adds the usage synopsis and a help excerpt on further
  /// lines, which a script's `2>` log or a CI page then shows as several messages.
  static func usageLine(for error: any Error) -> String {
    let text = message(for: error)
    var first = text.split(separator: "\n").first.map(String.init) ?? text
    if first.hasPrefix("Error: ") { first.removeFirst("Error: ".count) }
    return "qmp-shell: \(first) (see qmp-shell --help)"
  }
}

/// Writes `qmp-shell: MESSAGE` on standard error.
func printError(_ message: String) {
  var text = message.hasPrefix("qmp-shell: ") ? message : "qmp-shell: " + message
  text += "\n"
  var bytes = Array(text.utf8)
  var offset = 0
  while offset < bytes.count {
    let written = bytes[offset...].withUnsafeMutableBytes {
      write(STDERR_FILENO, $0.baseAddress, $0.count)
    }
    if written <= 0 { break }
    offset += written
  }
}

/// Standard input, line by line.
struct StandardInputLines: Sequence, IteratorProtocol {
  mutating func next() -> String? { readLine(strippingNewline: true) }
}

/// A file that cannot be read, with the system's reason.
struct FileError: Error, CustomStringConvertible {
  var path: String
  var code: Int32
  var description: String { "cannot read \(path): \(String(cString: strerror(code)))" }
}

/// The whole content of the file at `path` (plain POSIX reads: no Foundation at start-up).
func readFile(_ path: String) throws(FileError) -> [UInt8] {
  let descriptor = open(path, O_RDONLY | O_CLOEXEC)
  guard descriptor >= 0 else { throw FileError(path: path, code: errno) }
  defer { close(descriptor) }
  var bytes: [UInt8] = []
  var chunk = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
    if count == 0 { return bytes }
    if count < 0 {
      if errno == EINTR { continue }
      throw FileError(path: path, code: errno)
    }
    bytes.append(contentsOf: chunk[0..<count])
  }
}
