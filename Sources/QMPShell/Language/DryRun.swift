import QMPCodec

/// `qmp-shell --dry-run`: reads commands and prints, one JSON document per command, exactly
/// what would be sent, without connecting. It is also how users learn the syntax.
///
/// Commands are printed without an `id` unless the user wrote one: the client adds ids when
/// it sends, and they would only make the output differ from run to run.
public struct DryRun {
  public var mode: CommandReader.Mode
  public var style: JSONStyle
  /// A saved schema (`--schema FILE`) types values as a live session would.
  public var schema: QMPSchema?

  public init(
    mode: CommandReader.Mode = .qmp, style: JSONStyle = .compact, schema: QMPSchema? = nil
  ) {
    self.mode = mode
    self.style = style
    self.schema = schema
  }

  /// What a run ended with.
  public enum Outcome: Sendable, Hashable {
    /// Every line was read (or `.quit` ended the input).
    case success
    /// A line could not be read; nothing after it was printed.
    case failure(CommandSyntaxError)

    /// The process exit status: 0, or 2 for a syntax error.
    public var exitStatus: Int32 {
      switch self {
      case .success: return 0
      case .failure: return 2
      }
    }
  }

  /// Reads `lines` in order, calling `output` with each piece of text to print (a command's
  /// JSON, or `.help` text), each ending with a newline. Stops at the first error.
  public func run(lines: some Sequence<String>, output: (String) -> Void) -> Outcome {
    var reader = CommandReader(mode: mode, schema: schema)
    var number = 0
    do {
      for line in lines {
        number += 1
        switch try reader.read(line, number: number) {
        case .command(let command):
          output(command.json.serialized(style) + "\n")
        case .meta(.quit):
          try reader.finish()
          return .success
        case .meta(.help(let topic)):
          output(ShellHelp.text(topic: topic, schema: schema) + "\n")
        case .needsMore, .nothing:
          continue
        }
      }
      try reader.finish()
      return .success
    } catch {
      return .failure(error)
    }
  }
}
