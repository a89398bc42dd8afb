import Foundation
import QMPShell
import QMPTestSupport
import Testing

/// What the program sets up before its first command: the environment it reads and the
/// diagnostic logging that `QMP_SHELL_LOG` turns on (see ShellMain).
@Suite(.timeLimit(.minutes(1)))
struct StartupTests {
  @Test func valuesOfReadsOnlyTheNamedVariablesThatAreSet() {
    let unique = "QMP_SHELL_TEST_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
    setenv(unique + "_SET", "a=b c", 1)
    setenv(unique + "_EMPTY", "", 1)
    defer {
      unsetenv(unique + "_SET")
      unsetenv(unique + "_EMPTY")
    }
    let values = ProcessEnvironment.values(of: [
      unique + "_SET", unique + "_EMPTY", unique + "_UNSET",
    ])
    #expect(values == [unique + "_SET": "a=b c", unique + "_EMPTY": ""])
    #expect(ProcessEnvironment.current[unique + "_SET"] == "a=b c")
  }

  @Test func libraryLoggingIsSilentUnlessAskedFor() async throws {
    try await withQEMU { qemu in
      var environment = ProcessInfo.processInfo.environment
      environment["QMP_SHELL_LOG"] = nil
      let quiet = try await ScriptProcess(
        [qemu.address.description, "-c", "query-status"], environment: environment
      ).finish()
      #expect(quiet.status == 0)
      #expect(quiet.stderr.isEmpty)

      environment["QMP_SHELL_LOG"] = "DEBUG"
      let logged = try await ScriptProcess(
        [qemu.address.description, "-c", "query-status"], environment: environment
      ).finish()
      #expect(logged.status == 0)
      #expect(logged.stderr.contains("runstate"))
      #expect(logged.stdout.contains(#""status":"running""#))
    }
  }

  /// A one-shot `-c` runs wholly on the event loop, and its signal watch is a pipe channel on
  /// that same loop: a signal while a command waits must still end the run cleanly.
  @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
  func aSignalEndsAOneShotCommandThatWaitsForItsReply(_ number: Int32) async throws {
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "hang" ? [] : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let shell = try ScriptProcess([server.address.description, "-c", "hang"])
      // qmp_capabilities, then hang: the shell is waiting for the reply.
      try await withTimeout(.seconds(10)) { await server.waitUntil { $0.commands >= 2 } }
      shell.signal(number)
      let run = try await shell.finish()
      #expect(run.status == 130)
      #expect(run.stderr.hasPrefix("qmp-shell: interrupted"))
      #expect(run.stdout.isEmpty)
    }
  }

  /// In a process whose main thread does not relay (this test runner), the first
  /// SignalCancellation starts a relay thread of its own; a signal that comes before the task
  /// is attached is remembered, and cancel() stops the relaying to the task.
  @Test func withoutTheMainThreadsRelayASignalStillCancelsTheTask() async throws {
    let cancellation = SignalCancellation(signals: [SIGUSR2])
    kill(getpid(), SIGUSR2)
    let task = Task<Bool, Never> {
      try? await Task.sleep(for: .seconds(120))
      return Task.isCancelled
    }
    cancellation.attach(task)
    let cancelled = try await withTimeout(.seconds(10), "the relayed SIGUSR2") {
      await task.value
    }
    cancellation.cancel()
    #expect(cancelled)
  }
}
