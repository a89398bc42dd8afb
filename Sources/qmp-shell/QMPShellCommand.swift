import ArgumentParser
import QMPCodec
import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

/// The `qmp-shell` command line. It only parses arguments; the work is in `QMPShell`.
@main
struct QMPShellCommand: ParsableCommand {
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
      """
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

  func run() throws {
    guard dryRun else {
      printError("connecting to QEMU is not built yet; use --dry-run (-n)")
      throw ExitCode(2)
    }
    var schema: QMPSchema?
    if let schemaFile {
      let bytes: [UInt8]
      do {
        bytes = try readFile(schemaFile)
      } catch {
        printError(error.description)
        throw ExitCode(2)
      }
      do {
        schema = try QMPSchema(contentsOf: bytes)
      } catch {
        printError("\(schemaFile): \(error)")
        throw ExitCode(2)
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
    if outcome.exitStatus != 0 { throw ExitCode(outcome.exitStatus) }
  }

  /// Usage errors exit with status 2 (ArgumentParser's default is 64).
  static func main() {
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .validationFailure {
        printError(fullMessage(for: error))
        Glibc.exit(2)
      }
      exit(withError: error)
    }
  }
}

/// Writes `qmp-shell: MESSAGE` on standard error.
func printError(_ message: String) {
  var text =
    message.hasPrefix("qmp-shell: ") || message.hasPrefix("Error: ")
    ? message : "qmp-shell: " + message
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
