import QMPCodec
import QMPTestSupport
import Testing

/// A peer that puts terminal control sequences into every string it controls: the greeting's
/// package, the VM name, HMP output, an error description and event data. Through the real
/// binary in a real pseudo-terminal, none of them may reach the terminal raw; each must be
/// shown as visible text. (Unit tests cover `TerminalText` itself; these prove that every path
/// to the screen goes through it.)
@Suite struct TerminalSafetyTests {
  /// Sets the window title (OSC 0).
  static let title = "\u{1B}]0;owned\u{07}"
  /// Clears the screen (CSI 2 J).
  static let clear = "\u{1B}[2J"
  /// A C1 CSI (U+009B) starting a colour change, as an 8-bit terminal reads it.
  static let c1 = "\u{9B}31m"
  /// A right-to-left override, which reorders what the reader sees after it.
  static let override = "\u{202E}"

  /// Every raw sequence that must never appear in what the terminal receives.
  static let forbidden = [title, clear, c1, override, "\u{07}"]

  static let greeting: JSONValue = [
    "QMP": [
      "version": [
        "qemu": ["micro": 22, "minor": 2, "major": 7], "package": .string("pkg" + title),
      ],
      "capabilities": ["oob"],
    ]
  ]

  static let script = FakeQMPServer.Script(
    greeting: .json(greeting),
    respond: { command in
      switch command.name {
      case "query-name":
        return [.return(["name": .string("vm" + title)])]
      case "human-monitor-command":
        return [.return(.string("out" + clear + "put" + c1 + override + "end\r\n"))]
      case "fail":
        return [.error(class: "GenericError", desc: "bad" + title + "desc")]
      case "poke":
        return [.event("HOSTILE", data: ["text": .string(clear + title)]), .return([:])]
      default:
        return FakeQMPServer.standardResponse(to: command)
      }
    })

  /// The shell in a pty (colours off), `arguments` after the socket address.
  static func terminal(_ server: FakeQMPServer, history: String, _ arguments: [String]) throws
    -> PseudoTerminal
  {
    try ShellTerminal(
      address: server.address.description, history: history, extraArguments: arguments
    ).terminal
  }

  /// Which forbidden sequences the terminal received, by name; empty when it is safe.
  static func rawSequences(in terminal: PseudoTerminal) -> [String] {
    let bytes = Array(terminal.transcript.utf8)
    return forbidden.filter { bytes.firstRange(of: Array($0.utf8)) != nil }
      .map(\.debugDescription)
  }

  @Test func interactiveSessionShowsHostileTextEscaped() async throws {
    try await withFakeQMPServer(Self.script) { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try Self.terminal(server, history: directory.file("history"), [])
      try await shell.expect(#"(pkg\x1b]0;owned\x07)"#)
      try await shell.expect(#"(vm\x1b]0;owned\x07) "#)
      try shell.send("poke" + Key.enter)
      // Event data and error descriptions are JSON: escaped as JSON escapes.
      try await shell.expect(#""text":"\u001b[2J\u001b]0;owned\u0007""#)
      try shell.send("fail" + Key.enter)
      try await shell.expect(#""desc":"bad\u001b]0;owned\u0007desc""#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.waitForExit() == 0)
      #expect(Self.rawSequences(in: shell) == [])
    }
  }

  @Test func interactiveHMPOutputIsShownEscaped() async throws {
    try await withFakeQMPServer(Self.script) { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let shell = try Self.terminal(server, history: directory.file("history"), ["-H"])
      try await shell.expect(#"(vm\x1b]0;owned\x07) "#)
      try shell.send("info status" + Key.enter)
      try await shell.expect(#"out\x1b[2Jput\u009b31m\u202eend"#)
      try shell.send(Key.endOfFile)
      #expect(try await shell.waitForExit() == 0)
      #expect(Self.rawSequences(in: shell) == [])
    }
  }

  @Test func scriptModeOnATerminalEscapesHMPTextAndErrors() async throws {
    try await withFakeQMPServer(Self.script) { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      let hmp = try Self.terminal(
        server, history: directory.file("history"), ["-H", "-c", "info status"])
      try await hmp.expect(#"out\x1b[2Jput\u009b31m\u202eend"#)
      #expect(try await hmp.waitForExit() == 0)
      #expect(Self.rawSequences(in: hmp) == [])

      // The error's description reaches stderr (the same terminal) in the one-line message.
      let failing = try Self.terminal(server, history: directory.file("history"), ["-c", "fail"])
      try await failing.expect(#"qmp-shell: line 1: fail: GenericError: bad\x1b]0;owned\x07desc"#)
      #expect(try await failing.waitForExit() == 1)
      #expect(Self.rawSequences(in: failing) == [])
    }
  }

  @Test func outputToAPipeKeepsTheTextAsSent() async throws {
    // Not a terminal: a script reading HMP output gets QEMU's text unchanged (only "\r\n"
    // becomes "\n"), so the escaping above is a terminal's protection, not a rewrite.
    try await withFakeQMPServer(Self.script) { server in
      let run = try await ShellBinary.run([server.address.description, "-H", "-c", "info status"])
      #expect(run.status == 0)
      #expect(run.stdout == "out" + Self.clear + "put" + Self.c1 + Self.override + "end\n")
    }
  }
}
