import Foundation
import QMPTestSupport
import Testing

/// `qmp-shell --launch` at a terminal: the REPL runs on the launched QEMU, Ctrl-C stays with
/// the shell, and however the shell ends, QEMU and its directory go with it.
@Suite(.timeLimit(.minutes(1)))
struct InteractiveLaunchTests {
  private func start(_ qemu: RecordingQEMU, history: String) throws -> PseudoTerminal {
    var environment = ProcessInfo.processInfo.environment
    environment["TERM"] = "xterm"
    environment["NO_COLOR"] = "1"
    return try PseudoTerminal(
      executable: ShellBinary.url.path,
      arguments: [
        "--launch", "--qemu", qemu.path, "--history", history, "--",
        "-machine", "none", "-nodefaults", "-name", "tty",
      ],
      environment: environment)
  }

  @Test func ctrlCStaysWithTheShellAndCtrlDStopsQEMU() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let terminal = try start(qemu, history: qemu.folder.file("history"))
    try await terminal.expect("(tty) ")
    let pid = try #require(qemu.pid)
    // QEMU has its own process group: the terminal's SIGINT does not reach it.
    try terminal.send("query-st" + Key.interrupt)
    try terminal.send("query-status" + Key.enter)
    try await terminal.expect(#""running":true"#)
    #expect(isRunning(pid))
    try terminal.send(Key.endOfFile)
    #expect(try await terminal.waitForExit() == 0)
    #expect(!isRunning(pid))
    #expect(!FileManager.default.fileExists(atPath: try #require(qemu.directory)))
  }

  @Test(arguments: [SIGHUP, SIGTERM])
  func aSignalAtThePromptStopsQEMU(signal: Int32) async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let terminal = try start(qemu, history: qemu.folder.file("history"))
    try await terminal.expect("(tty) ")
    let pid = try #require(qemu.pid)
    kill(terminal.pid, signal)
    // A hang-up brings more than one SIGHUP; the second must not cut the cleanup short.
    if signal == SIGHUP { kill(terminal.pid, signal) }
    _ = try await terminal.waitForExit()
    #expect(!isRunning(pid))
    #expect(!FileManager.default.fileExists(atPath: try #require(qemu.directory)))
  }

  @Test func closingTheTerminalStopsQEMU() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let terminal = try start(qemu, history: qemu.folder.file("history"))
    try await terminal.expect("(tty) ")
    let pid = try #require(qemu.pid)
    let directory = try #require(qemu.directory)
    // The hang-up sends SIGHUP more than once; the later one used to kill the shell after its
    // editor had restored the default action, with QEMU still running.
    terminal.hangUp()
    try await waitUntil("the launched QEMU to be stopped") { !isRunning(pid) }
    // The directory goes right after QEMU was reaped.
    try await waitUntil("the private directory to be removed") {
      !FileManager.default.fileExists(atPath: directory)
    }
  }
}
