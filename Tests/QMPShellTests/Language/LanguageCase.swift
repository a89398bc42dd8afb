/// One row of the language table: input lines and exactly what they must produce.
struct LanguageCase: Sendable, CustomStringConvertible {
  /// The input, lines separated by `\n`.
  var input: String
  /// The compact JSON of each command, in order (no ids unless the input has one).
  var output: [String]
  /// The error `CommandSyntaxError.description` after `output`, if any.
  var error: String?
  var hmp = false

  var description: String { (hmp ? "[hmp] " : "") + input }
}

/// Input that must give these commands.
func accepts(_ input: String, _ output: String..., hmp: Bool = false) -> LanguageCase {
  LanguageCase(input: input, output: output, error: nil, hmp: hmp)
}

/// Input that must be rejected with this error (after the commands in `before`, if any).
func rejects(_ input: String, _ error: String, before: [String] = [], hmp: Bool = false)
  -> LanguageCase
{
  LanguageCase(input: input, output: before, error: error, hmp: hmp)
}
