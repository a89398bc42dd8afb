/// What the reader expects next, so the REPL can show the right prompt.
public enum Prompt: Sendable, Hashable {
  /// A new command.
  case command
  /// The next action of an open `transaction(` block, or its closing `)`.
  case transaction
  /// The rest of a raw JSON command that is not complete yet.
  case continuation

  /// The prompt text an interactive shell shows.
  public var text: String {
    switch self {
    case .command: return "(QEMU) "
    case .transaction: return "TRANS> "
    case .continuation: return "... "
    }
  }
}
