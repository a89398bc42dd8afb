import Foundation
import QMPCodec
import QMPTestSupport
import Testing

/// Script mode through the built binary: what CI jobs see (stdout, stderr, exit status).
@Suite struct ScriptModeTests {
  /// Every stdout line, parsed; fails the test on a line that is not JSON.
  func documents(_ stdout: String) throws -> [JSONValue] {
    try stdout.split(separator: "\n").map { try JSONValue(parsing: String($0)) }
  }

  // MARK: Against real QEMU

  @Test func successPrintsTheReplyWithoutTheShellsIDAndExitsZero() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([qemu.address.description, "-c", "query-status"])
      #expect(run.status == 0)
      #expect(run.stderr.isEmpty)
      let replies = try documents(run.stdout)
      #expect(replies.count == 1)
      #expect(replies.first?["return"]?["status"] == "running")
      #expect(replies.first?["id"] == nil)
    }
  }

  @Test func aQMPErrorExitsOneAndNamesTheLine() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run(
        [qemu.address.description], input: "query-status\nno-such-command\nquery-name\n")
      #expect(run.status == 1)
      #expect(
        run.stderr
          == "qmp-shell: line 2: no-such-command: CommandNotFound: The command no-such-command has not been found\n"
      )
      let replies = try documents(run.stdout)
      // The run stops at the first failure: query-name never ran.
      #expect(replies.count == 2)
      #expect(replies.last?["error"]?["class"] == "CommandNotFound")
    }
  }

  @Test func keepGoingRunsTheRestAndKeepsTheFirstFailuresStatus() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run(
        [
          qemu.address.description, "-k", "-c", "no-such-command", "-c", "query-status bogus=1",
          "-c", "query-name",
        ])
      #expect(run.status == 1)
      let lines = run.stderr.split(separator: "\n")
      #expect(lines.count == 2)
      #expect(lines.last?.hasPrefix("qmp-shell: line 2, column 14: ") == true)
      let replies = try documents(run.stdout)
      #expect(replies.count == 2)
      #expect(replies.last?["return"] == [:])
    }
  }

  @Test func anUnparsableLineExitsTwoWithLineAndColumn() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run(
        [qemu.address.description], input: "query-status\nquery-status a.b=1 a=2\nquery-name\n")
      #expect(run.status == 2)
      #expect(run.stderr.hasPrefix("qmp-shell: line 2, column "))
      #expect(run.stderr.split(separator: "\n").count == 1)
      #expect(try documents(run.stdout).count == 1)
    }
  }

  @Test func eventsComeBeforeTheReplyTheyPrecededAndEveryLineIsJSON() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run(
        [qemu.address.description, "-k"], input: "stop\nbad-command\ncont\nquery-status\n")
      #expect(run.status == 1)
      let messages = try documents(run.stdout)
      let kinds = messages.map { message -> String in
        if let event = message["event"]?.stringValue { return event }
        if message["error"] != nil { return "error" }
        return "return"
      }
      #expect(kinds == ["STOP", "return", "error", "RESUME", "return", "return"])
    }
  }

  @Test func waitEventCatchesAnEventEmittedBeforeTheReply() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([
        qemu.address.description, "-c", "stop", "--wait-event", "STOP", "--no-events",
        "--timeout", "10",
      ])
      #expect(run.status == 0)
      let messages = try documents(run.stdout)
      #expect(messages.count == 2)
      #expect(messages.first?["event"] == "STOP")
      #expect(messages.last?["return"] == [:])
    }
  }

  @Test func waitEventTimesOutWithStatusFive() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([
        qemu.address.description, "-c", "query-status", "--wait-event", "STOP", "--timeout", "0.3",
      ])
      #expect(run.status == 5)
      #expect(run.stderr == "qmp-shell: no matching STOP event within 0.3 s\n")
    }
  }

  @Test func hmpModePrintsTheMonitorsText() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([qemu.address.description, "-H", "-c", "info status"])
      #expect(run.status == 0)
      #expect(run.stdout == "VM status: running\n")
    }
  }

  @Test func returnValueModePrintsOnlyTheValue() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([
        qemu.address.description, "-r", "-c", "query-status",
        "-c", "human-monitor-command command-line='info status'",
      ])
      #expect(run.status == 0)
      let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
      try #require(lines.count >= 2)
      #expect(try JSONValue(parsing: String(lines[0]))["running"] == true)
      #expect(lines[1] == "VM status: running")
    }
  }

  @Test func commandsAfterQuitFailWithConnectionLost() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([
        qemu.address.description, "-c", "quit", "-c", "query-status",
      ])
      #expect(run.status == 4)
      #expect(
        run.stderr.hasPrefix("qmp-shell: line 2: connection lost before query-status was "))
      let messages = try documents(run.stdout)
      #expect(messages.first?["event"] == "SHUTDOWN")
      #expect(messages.last?["return"] == [:])
    }
  }

  @Test func quitAsTheLastCommandIsASuccess() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([qemu.address.description, "-c", "quit"])
      #expect(run.status == 0)
      #expect(run.stderr.isEmpty)
    }
  }

  @Test func theAddressDefaultsToQMPSocket() async throws {
    try await withQEMU { qemu in
      var environment = ProcessInfo.processInfo.environment
      environment["QMP_SOCKET"] = qemu.address.description
      let shell = try ScriptProcess(["-c", "query-name"], environment: environment)
      let run = try await shell.finish()
      #expect(run.status == 0)
      #expect(run.stdout == #"{"return":{}}"# + "\n")
    }
  }

  @Test func connectTimeoutWaitsForASocketThatAppearsLater() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let path = directory.path + "/late.sock"
    let shell = try ScriptProcess([path, "--connect-timeout", "30", "-c", "query-status"])
    let qemu = try ChildProcess(
      executable: "/usr/bin/qemu-system-x86_64",
      arguments: [
        "-machine", "none", "-nodefaults", "-display", "none", "-qmp",
        "unix:\(path),server=on,wait=off",
      ],
      logPath: directory.path + "/qemu.log")
    let run = try await shell.finish(limit: .seconds(40))
    await qemu.stop()
    #expect(run.status == 0)
    #expect(try documents(run.stdout).first?["return"]?["status"] == "running")
  }

  // MARK: Connection failures

  @Test func aMissingSocketExitsThree() async throws {
    let run = try await ShellBinary.run(["/nonexistent/qmp.sock", "-c", "query-status"])
    #expect(run.status == 3)
    #expect(
      run.stderr
        == "qmp-shell: cannot connect to /nonexistent/qmp.sock: No such file or directory\n")
    #expect(run.stdout.isEmpty)
  }

  @Test func noAddressAtAllIsAUsageError() async throws {
    var environment = ProcessInfo.processInfo.environment
    environment["QMP_SOCKET"] = nil
    let shell = try ScriptProcess(["-c", "query-status"], environment: environment)
    let run = try await shell.finish()
    #expect(run.status == 2)
    #expect(run.stderr.hasPrefix("qmp-shell: no QMP socket given"))
  }

  @Test func aBadGreetingExitsThree() async throws {
    let script = FakeQMPServer.Script(greeting: .json(["hello": "world"]))
    try await withFakeQMPServer(script) { server in
      let run = try await ShellBinary.run([server.address.description, "-c", "query-status"])
      #expect(run.status == 3)
      #expect(run.stderr.hasPrefix("qmp-shell: cannot set up a session with "))
    }
  }

  // MARK: Against the fake server

  @Test func aReplyDelayedPastTheEndOfInputIsStillPrinted() async throws {
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "slow"
        ? [.delay(.seconds(1)), .return("finally")] : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let run = try await ShellBinary.run([server.address.description], input: "slow\n")
      #expect(run.status == 0)
      #expect(run.stdout == #"{"return":"finally"}"# + "\n")
    }
  }

  @Test func twentyThousandPipedCommandsGiveTwentyThousandRepliesInOrder() async throws {
    let script = FakeQMPServer.Script(
      recordsCommands: false,
      respond: { command in
        command.name == "echo"
          ? [.return(command.arguments.map(JSONValue.object) ?? nil)]
          : FakeQMPServer.standardResponse(to: command)
      })
    try await withFakeQMPServer(script) { server in
      let count = 20_000
      var input = ""
      for index in 1...count { input += "echo n=\(index)\n" }
      let run = try await ShellBinary.run(
        [server.address.description, "-r", "--connect-timeout", "60"], input: input,
        timeout: .seconds(120))
      #expect(run.status == 0)
      let lines = run.stdout.split(separator: "\n")
      #expect(lines.count == count)
      let inOrder = lines.enumerated().allSatisfy { index, line in line == "{\"n\":\(index + 1)}" }
      #expect(inOrder)
    }
  }

  @Test func waitEventCatchesAnEventThatComesLaterAndMatchRejectsOthers() async throws {
    let script = FakeQMPServer.Script(respond: { command in
      guard command.name == "device_del" else { return FakeQMPServer.standardResponse(to: command) }
      return [
        .return([:]),
        .detached([
          .delay(.milliseconds(300)),
          .event("DEVICE_DELETED", data: ["device": "other", "path": "/machine/peripheral/other"]),
          .delay(.milliseconds(300)),
          .event("DEVICE_DELETED", data: ["device": "n1", "path": "/machine/peripheral/n1"]),
        ]),
      ]
    })
    try await withFakeQMPServer(script) { server in
      let run = try await ShellBinary.run([
        server.address.description, "-c", "device_del id=n1", "--wait-event", "DEVICE_DELETED",
        "--match", "device=n1", "--no-events", "--timeout", "10",
      ])
      #expect(run.status == 0)
      let messages = try documents(run.stdout)
      #expect(messages.count == 2)
      #expect(messages.last?["data"]?["device"] == "n1")
    }
  }

  @Test func waitEventWithoutCommandsJustWaits() async throws {
    // Like QEMU, the fake sends events only after negotiation.
    let script = FakeQMPServer.Script(respond: { command in
      guard command.name == "qmp_capabilities" else {
        return FakeQMPServer.standardResponse(to: command)
      }
      return [
        .return([:]),
        .detached([
          .delay(.milliseconds(200)),
          .event("BLOCK_JOB_COMPLETED", data: ["device": "drive0", "len": 9]),
          .event("BLOCK_JOB_COMPLETED", data: ["device": "drive0", "len": 10]),
        ]),
      ]
    })
    try await withFakeQMPServer(script) { server in
      let shell = try ScriptProcess([
        server.address.description, "--wait-event", "BLOCK_JOB_COMPLETED", "--match", "len=10",
      ])
      let run = try await shell.finish()
      #expect(run.status == 0)
      let messages = try documents(run.stdout)
      // Events are shown; the wait ends at the first one that matches.
      #expect(messages.map { $0["data"]?["len"] } == [9, 10])
    }
  }

  @Test func aReplyTimeoutExitsFive() async throws {
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "hang" ? [] : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let run = try await ShellBinary.run([
        server.address.description, "--timeout", "0.2", "-c", "hang",
      ])
      #expect(run.status == 5)
      #expect(run.stderr == "qmp-shell: line 1: no reply to hang within 0.2 s\n")
    }
  }

  @Test func theServerGoingAwayMidCommandExitsFour() async throws {
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "crash" ? [.disconnect] : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let run = try await ShellBinary.run([server.address.description, "-c", "crash"])
      #expect(run.status == 4)
      #expect(
        run.stderr.hasPrefix("qmp-shell: line 1: connection lost before crash was answered: "))
    }
  }

  @Test func anIDlessErrorIsAWarningNotAReply() async throws {
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "odd"
        ? [.idlessError(desc: "JSON parse error, stray '}'"), .return("mine")]
        : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let run = try await ShellBinary.run([server.address.description, "-c", "odd"])
      #expect(run.status == 0)
      #expect(run.stdout == #"{"return":"mine"}"# + "\n")
      #expect(run.stderr.contains("qmp-shell: warning: "))
      #expect(run.stderr.contains("stray '}'"))
    }
  }

  @Test func sigintWhileWaitingExits130() async throws {
    try await withFakeQMPServer { server in
      let shell = try ScriptProcess([server.address.description, "--wait-event", "NEVER"])
      // Negotiation done means the shell is connected and waiting.
      try await withTimeout(.seconds(10)) { await server.waitUntil { $0.commands >= 1 } }
      shell.signal(SIGINT)
      let run = try await shell.finish()
      #expect(run.status == 130)
      #expect(run.stderr.hasPrefix("qmp-shell: interrupted"))
    }
  }

  @Test func aClosedStdoutEndsTheRunQuietly() async throws {
    try await withFakeQMPServer { server in
      let input = String(repeating: "query-status\n", count: 50_000)
      let pipeline =
        "'\(ShellBinary.url.path)' '\(server.address.description)' | head -1; echo \"status=${PIPESTATUS[0]}\" >&2"
      let shell = try ScriptProcess(
        executable: URL(fileURLWithPath: "/bin/bash"), ["-c", pipeline], input: input)
      let run = try await shell.finish(limit: .seconds(60))
      #expect(
        run.stdout == #"{"return":{"status":"running","singlestep":false,"running":true}}"# + "\n")
      #expect(run.stderr == "status=0\n")
    }
  }

  @Test func verboseEchoesWhatIsSentOnStderrOnly() async throws {
    try await withFakeQMPServer { server in
      let run = try await ShellBinary.run([server.address.description, "-v", "-c", "query-status"])
      #expect(run.status == 0)
      #expect(run.stderr == #"qmp-shell: sending {"execute":"query-status"}"# + "\n")
      #expect(try documents(run.stdout).count == 1)
    }
  }

  @Test func logfileRecordsEveryMessageBothWaysInAPrivateFile() async throws {
    try await withFakeQMPServer { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let log = directory.file("wire.log")
      let run = try await ShellBinary.run([
        server.address.description, "-l", log, "-c", "query-status",
      ])
      #expect(run.status == 0)
      let attributes = try FileManager.default.attributesOfItem(atPath: log)
      #expect((attributes[.posixPermissions] as? Int) == 0o600)
      let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
      // Greeting, negotiation and its reply, the command and its reply.
      // (Fields are looked up safely: a short line must fail the test, not crash the runner.)
      #expect(
        lines.map { $0.split(separator: " ").dropFirst().first } == ["<-", "->", "<-", "->", "<-"])
      for line in lines {
        let fields = line.split(separator: " ", maxSplits: 2)
        guard fields.count == 3 else {
          Issue.record("a log line without time, direction and message: \(line)")
          continue
        }
        #expect(throws: Never.self) { try JSONValue(parsing: String(fields[2])) }
      }
      try #require(lines.count == 5)
      #expect(lines[3].hasSuffix(#"{"execute":"query-status","id":"qmp-shell-1"}"#))
    }
  }

  @Test func anUnopenableLogfileIsAUsageError() async throws {
    let run = try await ShellBinary.run([
      "/tmp/x.sock", "-l", "/nonexistent/dir/log", "-c", "query-status",
    ])
    #expect(run.status == 2)
    #expect(
      run.stderr
        == "qmp-shell: cannot open log file /nonexistent/dir/log: No such file or directory\n")
  }

  @Test func helpForACommandUsesTheServersSchema() async throws {
    try await withQEMU { qemu in
      let run = try await ShellBinary.run([qemu.address.description, "-c", ".help device_del"])
      #expect(run.status == 0)
      #expect(!run.stdout.contains("no schema is known"))
      #expect(run.stdout.contains("id: str"))
    }
  }

  @Test func fileRunsItsCommandsAndIgnoresStandardInput() async throws {
    try await withFakeQMPServer { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let script = directory.file("commands.qmp")
      try "# a comment\nquery-status\n\nquery-status\n".write(
        toFile: script, atomically: true, encoding: .utf8)
      let run = try await ShellBinary.run(
        [server.address.description, "-f", script], input: "not-from-stdin\n")
      #expect(run.status == 0)
      #expect(try documents(run.stdout).count == 2)
      #expect(server.receivedCommands.map(\.name).filter { $0 == "not-from-stdin" }.isEmpty)
    }
  }

  @Test func aMissingScriptFileIsAUsageError() async throws {
    try await withFakeQMPServer { server in
      let run = try await ShellBinary.run([server.address.description, "-f", "/nonexistent/x.qmp"])
      #expect(run.status == 2)
      #expect(
        run.stderr == "qmp-shell: cannot open /nonexistent/x.qmp: No such file or directory\n")
    }
  }
}
