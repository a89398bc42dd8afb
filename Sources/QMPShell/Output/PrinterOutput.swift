/// Where a transcript's text goes: script mode writes messages to stdout and warnings to
/// stderr; the REPL hands both to the line editor so they appear above the prompt.
struct PrinterOutput: Sendable {
  /// Writes formatted messages; throws when the reader has gone (a closed pipe).
  var write: @Sendable ([UInt8]) throws -> Void
  /// Shows a one-line warning about the session (late or unknown replies, id-less errors).
  var warn: @Sendable (String) -> Void

  static func standardStreams(stdout: OutputSink, diagnostics: Diagnostics) -> PrinterOutput {
    PrinterOutput(
      write: { bytes in try stdout.write(bytes) },
      warn: { message in diagnostics.warn(message) })
  }
}
