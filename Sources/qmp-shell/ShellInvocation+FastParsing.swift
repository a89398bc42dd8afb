extension ShellInvocation {
  /// Parses the short command lines scripts use most (`SOCK -c CMD`, a few flags, `--timeout`)
  /// without ArgumentParser; nil for anything else, which then goes through ArgumentParser.
  ///
  /// It accepts only what ArgumentParser reads the same way and that needs no validation
  /// message: one positional ADDRESS, `-c`/`--command VALUE` (repeatable), `-p`, `-r`, `-k`,
  /// `-v`, `-H`, `--no-events` (each at most once) and `--timeout SECONDS` (once, positive).
  /// Values and the address must not start with `-`; joined forms (`--timeout=5`, `-pr`),
  /// `--`, help and version requests are all left to ArgumentParser.
  init?(fastParsing arguments: some Collection<String>) {
    self.init()
    var seen: Set<String> = []
    var iterator = arguments.makeIterator()
    func value() -> String? {
      guard let next = iterator.next(), !next.isEmpty, !next.hasPrefix("-") else { return nil }
      return next
    }
    while let argument = iterator.next() {
      guard argument.hasPrefix("-") else {
        guard address == nil, !argument.isEmpty else { return nil }
        address = argument
        continue
      }
      let option: String
      switch argument {
      case "-c", "--command": option = "-c"
      case "-p", "--pretty": option = "-p"
      case "-r", "--return-value": option = "-r"
      case "-k", "--keep-going": option = "-k"
      case "-v", "--verbose": option = "-v"
      case "-H", "--hmp": option = "-H"
      case "--no-events", "--timeout": option = argument
      default: return nil
      }
      if option != "-c" {
        guard seen.insert(option).inserted else { return nil }
      }
      switch option {
      case "-c":
        guard let command = value() else { return nil }
        commands.append(command)
      case "-p": pretty = true
      case "-r": returnValue = true
      case "-k": keepGoing = true
      case "-v": verbose = true
      case "-H": hmp = true
      case "--no-events": noEvents = true
      default:
        guard let text = value(), let seconds = Double(text), Self.isValidTimeout(seconds)
        else { return nil }
        timeout = seconds
      }
    }
  }
}

extension ShellInvocation {
  /// Whether the whole run may happen on the event loop's thread: only when it never blocks
  /// that thread, i.e. the commands come from the command line (no readline, no blocking read
  /// of standard input or of a script file).
  var runsOnEventLoop: Bool {
    !commands.isEmpty && !dryRun && scriptFile == nil && !launch.launch
  }
}
