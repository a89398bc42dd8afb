import Foundation
import QMPClient
import QMPShell
import QMPTestSupport
import Testing

/// The API the interactive shell uses: start, connect to ``LaunchedQEMU/endpoint``, shut down.
@Suite(.timeLimit(.minutes(1)))
struct LaunchedQEMUTests {
  @Test func startConnectShutdown() async throws {
    let qemu = try LaunchedQEMU.start(LaunchSpec(arguments: ["-machine", "none", "-name", "api"]))
    let client = QMPClient()
    try await withTimeout(.seconds(20)) {
      try await Connector(retryFor: .seconds(10)).connect(client, to: qemu.endpoint)
      let name = try await client.execute("query-name")
      #expect(name["name"] == "api")
      try await client.disconnect()
      #expect(qemu.exit == nil)
      await qemu.shutdown()
    }
    #expect(qemu.exit == .exited(0))
    #expect(!qemu.exitedOnItsOwn)
    #expect(!RecordingQEMU.isAlive(qemu.processIdentifier))
    #expect(!FileManager.default.fileExists(atPath: qemu.directory))
  }

  @Test func aBusyMonitorFallsBackToSIGTERM() async throws {
    let qemu = try LaunchedQEMU.start(LaunchSpec())
    let client = QMPClient()
    try await withTimeout(.seconds(20)) {
      // The session's client still holds the one monitor connection: `quit` cannot get in.
      try await Connector(retryFor: .seconds(10)).connect(client, to: qemu.endpoint)
      await qemu.shutdown()
      try? await client.disconnect()
    }
    // QEMU reports a SIGTERM as a normal exit; reaped and cleaned up either way.
    #expect(qemu.exit != nil)
    #expect(!RecordingQEMU.isAlive(qemu.processIdentifier))
    #expect(!FileManager.default.fileExists(atPath: qemu.directory))
  }

  @Test func aProcessIgnoringSIGTERMIsKilled() async throws {
    try await withTemporaryDirectory { folder in
      let script = folder.file("stubborn")
      let ready = folder.file("ready")
      // It says when the trap is set: a SIGTERM sent before that (a slow start on a loaded
      // machine) would end it at once, and the test would fail without a bug.
      try writeExecutable(
        "#!/bin/sh\ntrap '' TERM\ntouch \(ready)\nexec sleep 60\n", to: script)
      let qemu = try LaunchedQEMU.start(LaunchSpec(executable: script))
      let started = ContinuousClock.now
      try await withTimeout(.seconds(20)) {
        while !FileManager.default.fileExists(atPath: ready) {
          try await Task.sleep(for: .milliseconds(10))
        }
        await qemu.shutdown()
      }
      #expect(qemu.exit == .signalled(SIGKILL))
      #expect(ContinuousClock.now - started < .seconds(10).scaledForTests)
      #expect(!FileManager.default.fileExists(atPath: qemu.directory))
    }
  }

  @Test func helpersInQEMUsProcessGroupAreStoppedToo() async throws {
    try await withTemporaryDirectory { folder in
      let script = folder.file("wrapper")
      try writeExecutable(
        "#!/bin/sh\nsleep 60 &\necho $! > \(folder.file("h"))\nmv \(folder.file("h")) \(folder.file("helper"))\nwait\n",
        to: script)
      let qemu = try LaunchedQEMU.start(LaunchSpec(executable: script))
      try await waitUntil("the helper's pid") {
        FileManager.default.fileExists(atPath: folder.file("helper"))
      }
      let text = try String(contentsOfFile: folder.file("helper"), encoding: .utf8)
      let helper = try #require(pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)))
      #expect(isRunning(helper))
      try await withTimeout(.seconds(20)) { await qemu.shutdown() }
      try await waitUntil("the helper to end") { !isRunning(helper) }
    }
  }

  @Test func anExitOnItsOwnIsDescribedWithItsOutput() async throws {
    let qemu = try LaunchedQEMU.start(
      LaunchSpec(arguments: ["-machine", "none", "-object", "no-such-type,id=x"]))
    let exit = try await withTimeout(.seconds(20)) { await qemu.waitForExit(limit: .seconds(15)) }
    #expect(exit == .exited(1))
    #expect(qemu.exitedOnItsOwn)
    #expect(qemu.exitDescription == "qemu-system-x86_64 exited with status 1")
    #expect(qemu.outputTail().last?.contains("no-such-type") == true)
    await qemu.shutdown()
    #expect(!FileManager.default.fileExists(atPath: qemu.directory))
  }

  @Test func aMissingBinaryLeavesNoDirectory() async throws {
    try await withTemporaryDirectory { folder in
      let error = #expect(throws: ShellError.self) {
        try LaunchedQEMU.start(
          LaunchSpec(executable: "no-such-qemu-binary"), environment: ["TMPDIR": folder.path])
      }
      #expect(error?.status == .cannotConnect)
      #expect(error?.message == "cannot start no-such-qemu-binary: No such file or directory")
      #expect((try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true)
    }
  }

  @Test func thePrivateDirectoryIsMadeUnderAShortTMPDIR() async throws {
    try await withTemporaryDirectory { folder in
      let qemu = try LaunchedQEMU.start(LaunchSpec(), environment: ["TMPDIR": folder.path + "/"])
      #expect(qemu.directory.hasPrefix(folder.path + "/qmp-shell."))
      let attributes = try FileManager.default.attributesOfItem(atPath: qemu.directory)
      #expect((attributes[.posixPermissions] as? Int) == 0o700)
      await qemu.shutdown()
      #expect((try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true)
    }
  }

  @Test func outputTailKeepsTheLastLinesOfALongLog() async throws {
    try await withTemporaryDirectory { folder in
      let script = folder.file("chatty")
      try writeExecutable("#!/bin/sh\nseq 1 5000 >&2\nexit 7\n", to: script)
      let qemu = try LaunchedQEMU.start(LaunchSpec(executable: script))
      let exit = try await withTimeout(.seconds(20)) { await qemu.waitForExit(limit: .seconds(15)) }
      #expect(exit == .exited(7))
      #expect(qemu.outputTail(lines: 3) == ["4998", "4999", "5000"])
      await qemu.shutdown()
    }
  }
}
