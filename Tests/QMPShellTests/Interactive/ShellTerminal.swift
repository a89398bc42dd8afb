import Foundation
import QMPTestSupport

/// The built `qmp-shell` in a real pseudo-terminal, with a private history file.
struct ShellTerminal {
  let terminal: PseudoTerminal

  init(address: String, history: String, extraArguments: [String] = []) throws {
    var environment = ProcessInfo.processInfo.environment
    environment["TERM"] = "xterm"
    environment["NO_COLOR"] = "1"
    terminal = try PseudoTerminal(
      executable: ShellBinary.url.path,
      arguments: [address, "--history", history] + extraArguments, environment: environment)
  }

  func send(_ keys: String) throws { try terminal.send(keys) }
  func expect(_ text: String) async throws { try await terminal.expect(text) }
}

enum Key {
  static let enter = "\r"
  static let tab = "\t"
  static let interrupt = "\u{03}"
  static let endOfFile = "\u{04}"
  static let up = "\u{1B}[A"
}
