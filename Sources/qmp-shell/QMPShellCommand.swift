import ArgumentParser

/// The `qmp-shell` command line. Later issues add the REPL, script mode and launch options.
@main
struct QMPShellCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "qmp-shell",
    abstract: "A shell for the QEMU Machine Protocol."
  )

  func run() throws {}
}
