import Foundation
import QMPCodec
import QMPTestSupport
import Testing

/// The interactive shell end to end: the built binary in a pseudo-terminal, against real QEMU
/// with two monitors (the test acts on the second one while the shell sits on the first).
@Suite(.serialized) struct InteractiveShellTests {
  static let twoMonitors = QEMUConfiguration.systemEmulator(monitors: [.unix, .unix])

  @Test func anEventAppearsAboveAHalfTypedLineThatStillCompletes() async throws {
    try await withQEMU(Self.twoMonitors) { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.monitorAddresses[0].description, history: directory.file("history"))
      try await shell.expect("Connected to QEMU 7.2")
      try await shell.expect("(QEMU) ")
      try shell.send("human-monitor-command command-line='info sta")
      try await shell.expect("info sta")
      // `stop` through the other monitor: QEMU sends STOP to every monitor.
      let other = try await ShellBinary.run([qemu.monitorAddresses[1].description, "-c", "stop"])
      #expect(other.status == 0)
      try await shell.expect(#""event":"STOP""#)
      // The half-typed line is drawn again below the event, and finishing it sends all of it.
      try await shell.expect("info sta")
      try shell.send("tus'" + Key.enter)
      try await shell.expect("VM status: paused")
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func tabCompletesCommandsArgumentsAndEnumValues() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"),
        extraArguments: ["-v"])
      try await shell.expect("(QEMU) ")
      // `query-mach` has one completion; the shell adds a blank after it.
      try shell.send("query-mach" + Key.tab)
      try await shell.expect("query-machines ")
      try shell.send(Key.enter)
      try await shell.expect(#"{"return":[{"#)
      try shell.send("blockdev-add node-na" + Key.tab)
      try await shell.expect("node-name=")
      try shell.send("disk0 dri" + Key.tab)
      try await shell.expect("driver=")
      try shell.send("ra" + Key.tab)
      try await shell.expect("raw")
      try shell.send("file=nothing" + Key.enter)
      // -v shows what was sent: every completed word made it into the command.
      try await shell.expect(
        #"{"execute":"blockdev-add","arguments":{"node-name":"disk0","driver":"raw","file":"nothing"}}"#
      )
      try await shell.expect(#""error""#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func historyIsKeptAcrossRuns() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let history = directory.file("history")
      do {
        let shell = try ShellTerminal(address: qemu.address.description, history: history)
        try await shell.expect("(QEMU) ")
        try shell.send("  query-name  " + Key.enter)
        try await shell.expect(#"{"return":{}}"#)
        try shell.send(Key.endOfFile)
        #expect(try await shell.terminal.waitForExit() == 0)
      }
      let attributes = try FileManager.default.attributesOfItem(atPath: history)
      #expect((attributes[.posixPermissions] as? Int) == 0o600)
      #expect(try String(contentsOfFile: history, encoding: .utf8) == "query-name\n")
      let shell = try ShellTerminal(address: qemu.address.description, history: history)
      try await shell.expect("(QEMU) ")
      try shell.send(Key.up)
      try await shell.expect("query-name")
      try shell.send(Key.enter)
      try await shell.expect(#"{"return":{}}"#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func ctrlCAtThePromptDiscardsTheLine() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"))
      try await shell.expect("(QEMU) ")
      try shell.send("query-st")
      try await shell.expect("query-st")
      try shell.send(Key.interrupt)
      try await shell.expect("(QEMU) ")
      try shell.send("query-name" + Key.enter)
      // Had the discarded text stayed, the command would be `query-stquery-name`.
      try await shell.expect(#"{"return":{}}"#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func ctrlCWhileWaitingStopsTheWaitAndTheLateReplyIsShownAsLate() async throws {
    let received = AsyncSignal()
    let release = AsyncSignal()
    let script = FakeQMPServer.Script(respond: { command in
      command.name == "slow"
        ? [.fire(received), .detached([.wait(release), .return("finally")])]
        : FakeQMPServer.standardResponse(to: command)
    })
    try await withFakeQMPServer(script) { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: server.address.description, history: directory.file("history"))
      try await shell.expect("(QEMU) ")
      try shell.send("slow" + Key.enter)
      try await withTimeout(.seconds(10)) { await received.wait() }
      try shell.send(Key.interrupt)
      try await shell.expect("stopped waiting for slow")
      try shell.send("query-status" + Key.enter)
      try await shell.expect(#""status":"running""#)
      release.fire()
      try await shell.expect(#"late reply (its command had stopped waiting): {"return":"finally""#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func aTransactionUsesTheTransPrompt() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"))
      try await shell.expect("(QEMU) ")
      try shell.send("transaction(" + Key.enter)
      try await shell.expect("TRANS> ")
      try shell.send("abort" + Key.enter)
      try await shell.expect("TRANS> ")
      try shell.send(")" + Key.enter)
      try await shell.expect("Transaction aborted using Abort action")
      try await shell.expect("(QEMU) ")
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func quitShowsShutdownThenSaysQEMUQuitAndExitsFour() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"))
      try await shell.expect("(QEMU) ")
      try shell.send("quit" + Key.enter)
      try await shell.expect(#""event":"SHUTDOWN""#)
      try await shell.expect(#"{"return":{}}"#)
      try await shell.expect("qmp-shell: connection closed: QEMU quit")
      #expect(try await shell.terminal.waitForExit() == 4)
    }
  }

  @Test func theVMNameBecomesThePrompt() async throws {
    let configuration = QEMUConfiguration.systemEmulator(extraArguments: ["-name", "web1"])
    try await withQEMU(configuration) { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"))
      try await shell.expect(#"VM "web1""#)
      try await shell.expect("(web1) ")
      try shell.send(".quit" + Key.enter)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func hmpModeCompletesCommandNamesAndInfoTopics() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"),
        extraArguments: ["-H"])
      try await shell.expect("(QEMU) ")
      // `info ver` is unambiguous among `info` topics; `syste` among HMP commands.
      try shell.send("info ver" + Key.tab)
      try await shell.expect("info version ")
      try shell.send(Key.enter)
      try await shell.expect("7.2.")
      try shell.send("system_res" + Key.tab)
      try await shell.expect("system_reset ")
      // Ctrl-D only ends the shell on an empty line: wait until Ctrl-C has cleared it.
      try shell.send(Key.interrupt)
      try await shell.expect("(QEMU) ")
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }

  @Test func ctrlCInsideATransactionForgetsIt() async throws {
    try await withQEMU { qemu in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try ShellTerminal(
        address: qemu.address.description, history: directory.file("history"))
      try await shell.expect("(QEMU) ")
      try shell.send("transaction(" + Key.enter)
      try await shell.expect("TRANS> ")
      try shell.send(Key.interrupt)
      try await shell.expect("(QEMU) ")
      // Still inside the block, this would be `unknown transaction action query-name`.
      try shell.send("query-name" + Key.enter)
      try await shell.expect(#"{"return":{}}"#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.terminal.waitForExit() == 0)
    }
  }
}
