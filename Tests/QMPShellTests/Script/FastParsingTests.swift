import Testing

@testable import qmp_shell

/// The executable parses common short command lines itself, skipping ArgumentParser's
/// reflection at start-up. That shortcut must read every line it takes exactly as
/// ArgumentParser does, and leave everything else to it.
@Suite struct FastParsingTests {
  @Test(arguments: [
    ["/tmp/q.sock", "-c", "query-status"],
    ["-c", "stop", "-c", "cont", "localhost:4444"],
    ["/s", "-p", "-r", "-k", "-v", "-H", "--no-events", "--timeout", "2.5", "-c", "x y=1"],
    [
      "--command", "query-status", "--pretty", "--return-value", "--keep-going", "--verbose",
      "--hmp", "/s",
    ],
    ["--timeout", "30", "/s"],
    ["/s"],
    [],
  ])
  func readsItsLinesAsArgumentParserDoes(arguments: [String]) throws {
    let fast = try #require(ShellInvocation(fastParsing: arguments))
    let parsed = try #require(try QMPShellCommand.parseAsRoot(arguments) as? QMPShellCommand)
    #expect(fast == parsed.invocation)
  }

  @Test(arguments: [
    ["--help"], ["-h"], ["--version"], ["/s", "-c"], ["/s", "-c", "-x"], ["/s", "/t"],
    ["/s", "--timeout", "0"], ["/s", "--timeout", "-1"], ["/s", "--timeout", "nan"],
    ["/s", "--timeout", "inf"], ["/s", "--timeout", "1e300"],
    ["/s", "--timeout", "soon"], ["/s", "--timeout"], ["/s", "-p", "-p"], ["/s", "--timeout=5"],
    ["/s", "-pr"], ["/s", "--", "x"], ["/s", "-f", "script"], ["--launch"], ["-n", "-c", "x"],
    ["/s", "--wait-event", "STOP"], ["", "-c", "x"], ["-", "-c", "x"],
    ["--generate-completion-script", "bash"],
  ])
  func leavesEverythingElseToArgumentParser(arguments: [String]) {
    #expect(ShellInvocation(fastParsing: arguments) == nil)
  }
}
