import Testing

/// Every command line the shell refuses: status 2 before anything connects or starts, nothing
/// on stdout, and one line on stderr that names what was wrong (ArgumentParser's own errors
/// included, which it would otherwise print with the usage synopsis over several lines).
@Suite struct UsageErrorTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var message: String
    var testDescription: String { arguments.joined(separator: " ") }
  }

  /// No socket of these exists: a line that got past validation would fail to connect with
  /// status 3 instead, and a `--launch` would start QEMU.
  static let cases: [Case] = [
    Case(
      arguments: ["--launch", "--listen", "/nonexistent/s"],
      message: "--launch and --listen cannot be used together"),
    Case(
      arguments: ["--launch", "--agent"],
      message: "--launch starts QEMU, not qemu-ga: it cannot be used with --agent"),
    Case(arguments: ["--qemu", "/bin/true", "/nonexistent/s"], message: "--qemu needs --launch"),
    Case(
      arguments: ["/nonexistent/s", "--", "-m", "1"],
      message: "arguments after -- are QEMU's and need --launch"),
    Case(
      arguments: ["--timeout", "0", "/nonexistent/s"],
      message: "--timeout must be a positive number of seconds, at most 1000000000 (got 0.0)"),
    // A negative number is a value here, not an option ArgumentParser would call missing.
    Case(
      arguments: ["--timeout", "-1", "/nonexistent/s"],
      message: "--timeout must be a positive number of seconds, at most 1000000000 (got -1.0)"),
    // These two trapped in 64-bit nanosecond arithmetic before they were refused.
    Case(
      arguments: ["--timeout", "inf", "-c", "query-status", "/nonexistent/s"],
      message: "--timeout must be a positive number of seconds, at most 1000000000 (got inf)"),
    Case(
      arguments: ["--connect-timeout", "1e300", "/nonexistent/s"],
      message:
        "--connect-timeout must be a positive number of seconds, at most 1000000000 (got 1e+300)"),
    Case(
      arguments: ["--timeout", "soon", "/nonexistent/s"],
      message: "The value 'soon' is invalid for '--timeout <SECONDS>'"),
    Case(
      arguments: ["--match", "a=b", "/nonexistent/s"], message: "--match needs --wait-event"),
    Case(
      arguments: ["--wait-event", "STOP", "--match", "ab", "/nonexistent/s"],
      message: "--match takes KEY=VALUE, got 'ab'"),
    Case(
      arguments: ["--wait-event", "STOP", "--match", "=b", "/nonexistent/s"],
      message: "--match takes KEY=VALUE, got '=b'"),
    Case(
      arguments: ["-c", "stop", "-f", "/nonexistent/f", "/nonexistent/s"],
      message: "-c and -f cannot be used together"),
    Case(
      arguments: ["-n", "--launch", "-c", "query-status"],
      message: "--dry-run does not connect: it cannot be used with --launch"),
    Case(
      arguments: ["-n", "--listen", "-c", "query-status", "/nonexistent/s"],
      message: "--dry-run does not connect: it cannot be used with --listen"),
    Case(arguments: ["--bogus", "/nonexistent/s"], message: "Unknown option '--bogus'"),
    Case(
      arguments: ["--color", "sometimes", "/nonexistent/s"],
      message:
        "The value 'sometimes' is invalid for '--color <WHEN>'. Please provide one of 'auto', 'always' or 'never'."
    ),
  ]

  @Test(arguments: cases)
  func refusedWithOneLineAndStatusTwo(_ refused: Case) async throws {
    let run = try await ShellBinary.run(refused.arguments)
    #expect(run.status == 2)
    #expect(run.stdout == "")
    #expect(run.stderr == "qmp-shell: \(refused.message) (see qmp-shell --help)\n")
  }
}

extension UsageErrorTests {
  @Test func aSocketPathTooLongForTheKernelIsABadAddress() async throws {
    let path = "/tmp/" + String(repeating: "p", count: 120)
    let run = try await ShellBinary.run(["-c", "query-status", path])
    #expect(run.status == 2)
    #expect(
      run.stderr
        == "qmp-shell: bad address '\(path)': a UNIX socket path holds at most 107 bytes, this one has 125\n"
    )
  }
}
