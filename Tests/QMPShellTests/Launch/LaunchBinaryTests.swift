import Foundation
import QMPTestSupport
import Testing

/// `qmp-shell --launch` against the real qemu-system-x86_64: it starts QEMU, runs the script,
/// and never leaves the process or its socket directory behind.
@Suite(.timeLimit(.minutes(1)))
struct LaunchBinaryTests {
  @Test func scriptRunsAndNothingIsLeftBehind() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let run = try await ShellBinary.run(["--launch", "--qemu", qemu.path, "-c", "query-status"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout.contains(#""status":"running""#))
    #expect(run.stderr.isEmpty)
    let pid = try #require(qemu.pid)
    #expect(!RecordingQEMU.isAlive(pid))
    let directory = try #require(qemu.directory)
    #expect(qemu.directoryMode == "700")
    #expect(!FileManager.default.fileExists(atPath: directory))
  }

  @Test func qemuArgumentsAfterTheTerminatorReachQEMUUnchanged() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let run = try await ShellBinary.run([
      "--launch", "--qemu", qemu.path, "-r", "-c", "query-name", "--",
      "-machine", "none", "-nodefaults", "-name", "two words; $(false)",
    ])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stdout == #"{"name":"two words; $(false)"}"# + "\n")
  }

  @Test func qemuThatFailsAtStartIsReportedWithItsOwnError() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let run = try await ShellBinary.run([
      "--launch", "--qemu", qemu.path, "-c", "query-status", "--",
      "-machine", "none", "-device", "no-such-device",
    ])
    #expect(run.status == 3)
    #expect(run.stdout.isEmpty)
    #expect(run.stderr.contains("qemu exited with status 1; its last output:"))
    #expect(run.stderr.contains("'no-such-device' is not a valid device model name"))
    let pid = try #require(qemu.pid)
    #expect(!RecordingQEMU.isAlive(pid))
    let directory = try #require(qemu.directory)
    #expect(!FileManager.default.fileExists(atPath: directory))
  }

  @Test func qemuThatPrintsAndExitsZeroIsExplained() async throws {
    let run = try await ShellBinary.run(["--launch", "-c", "query-status", "--", "-version"])
    #expect(run.status == 3)
    #expect(run.stderr.contains("qemu-system-x86_64 ended before its QMP socket was ready"))
    #expect(run.stderr.contains("qemu-system-x86_64 exited with status 0; its last output:"))
    #expect(run.stderr.contains("QEMU emulator version"))
  }

  @Test func quitMidScriptIsNotReportedEvenWhenTheSessionFails() async throws {
    let run = try await ShellBinary.run(["--launch", "-c", "quit", "-c", "query-status"])
    #expect(run.status == 4)
    #expect(!run.stderr.contains("exited with status"))
  }

  @Test func aMissingBinaryIsAClearErrorWithStatus3() async throws {
    let run = try await ShellBinary.run([
      "--launch", "--qemu", "/nonexistent/qemu-system-x86_64", "-c", "query-status",
    ])
    #expect(run.status == 3)
    #expect(
      run.stderr
        == "qmp-shell: cannot start /nonexistent/qemu-system-x86_64: No such file or directory\n")
  }

  @Test func theDefaultBinaryIsLookedUpInPath() async throws {
    let shell = try ScriptProcess(
      ["--launch", "-c", "query-status"], environment: ["PATH": "/nonexistent"])
    let run = try await shell.finish()
    #expect(run.status == 3)
    #expect(run.stderr == "qmp-shell: cannot start qemu-system-x86_64: No such file or directory\n")
  }

  @Test func quitInTheScriptIsNotReportedAsAFailure() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let run = try await ShellBinary.run(["--launch", "--qemu", qemu.path, "-c", "quit"])
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.isEmpty)
    #expect(!RecordingQEMU.isAlive(try #require(qemu.pid)))
  }

  /// `qmp-shell --launch` with `qemu` as QEMU, once its session runs (the reply to
  /// `query-status` is printed); it then waits for an event that never comes.
  private func runningSession(_ qemu: RecordingQEMU) async throws -> ScriptProcess {
    let shell = try ScriptProcess([
      "--launch", "--qemu", qemu.path, "-c", "query-status", "--wait-event", "NEVER",
    ])
    try await waitUntil("the reply to query-status") { shell.stdoutText.contains("running") }
    return shell
  }

  @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
  func aSignalDuringTheSessionStillStopsQEMU(signal: Int32) async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let shell = try await runningSession(qemu)
    let pid = try #require(qemu.pid)
    #expect(RecordingQEMU.isAlive(pid))
    shell.signal(signal)
    let run = try await shell.finish()
    #expect(run.status == 130)
    #expect(!RecordingQEMU.isAlive(pid))
    #expect(!FileManager.default.fileExists(atPath: try #require(qemu.directory)))
  }

  /// SIGKILL gives the shell no chance to stop QEMU (a CI job's timeout does this): its
  /// watchdog, which sees the shell's end as the end of a socket, must.
  @Test func aKilledShellStillTakesItsQEMUAndDirectoryWithIt() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let shell = try await runningSession(qemu)
    let pid = try #require(qemu.pid)
    let directory = try #require(qemu.directory)
    #expect(isRunning(pid))
    shell.signal(SIGKILL)
    let run = try await shell.finish()
    #expect(run.status == 9)
    // Nothing to await across processes that are not ours: QEMU is the dead shell's child.
    try await waitUntil("QEMU stopped by the watchdog", limit: .seconds(10)) { !isRunning(pid) }
    // The watchdog removes the directory before it kills the group.
    #expect(!FileManager.default.fileExists(atPath: directory))
  }

  @Test func aSignalWhileWaitingForTheSocketStillStopsQEMU() async throws {
    try await withTemporaryDirectory { folder in
      // A "QEMU" that never opens its socket: the shell keeps retrying the connection.
      let script = folder.file("silent")
      try writeExecutable(
        "#!/bin/sh\necho $$ > \(folder.file("p"))\nmv \(folder.file("p")) \(folder.file("pid"))\n"
          + "exec sleep 60\n", to: script)
      let shell = try ScriptProcess(["--launch", "--qemu", script, "-c", "query-status"])
      try await waitUntil("the stand-in's pid") {
        FileManager.default.fileExists(atPath: folder.file("pid"))
      }
      let text = try String(contentsOfFile: folder.file("pid"), encoding: .utf8)
      let pid = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
      shell.signal(SIGINT)
      let run = try await shell.finish()
      #expect(run.status == 130)
      #expect(run.stderr.contains("interrupted while connecting"))
      #expect(!isRunning(pid))
    }
  }

  @Test func qemuDyingMidSessionIsReportedWithStatus4() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    let shell = try await runningSession(qemu)
    let pid = try #require(qemu.pid)
    kill(pid, SIGKILL)
    let run = try await shell.finish()
    #expect(run.status == 4)
    #expect(run.stderr.contains("connection lost"))
    #expect(run.stderr.contains("qemu was killed by signal 9"))
    #expect(!FileManager.default.fileExists(atPath: try #require(qemu.directory)))
  }

  @Test func launchRefusesAnAddressAndDaemonize() async throws {
    let withAddress = try await ShellBinary.run(["--launch", "/tmp/x.sock", "-c", "query-status"])
    #expect(withAddress.status == 2)
    #expect(withAddress.stderr.contains("--launch starts its own QEMU and takes no ADDRESS"))
    let daemon = try await ShellBinary.run(["--launch", "-c", "query-status", "--", "-daemonize"])
    #expect(daemon.status == 2)
    #expect(daemon.stderr.contains("cannot pass -daemonize"))
    let stray = try await ShellBinary.run(["/tmp/x.sock", "-c", "query-status", "--", "-S"])
    #expect(stray.status == 2)
    #expect(stray.stderr.contains("need --launch"))
  }
}
