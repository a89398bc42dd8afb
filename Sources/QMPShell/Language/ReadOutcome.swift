import QMPCodec

/// What one input line amounts to.
public enum ReadOutcome: Sendable, Hashable {
  /// A complete command, ready to send.
  case command(QMPCommand)
  /// A command for the shell itself.
  case meta(MetaCommand)
  /// The line was taken, but the command is not complete: read another line with this prompt.
  case needsMore(Prompt)
  /// A blank line, a `#` comment, or local state (HMP's `cpu N`): nothing to send.
  case nothing
}
