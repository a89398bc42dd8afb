/// A command for the shell itself rather than for QEMU.
///
/// Meta-commands start with a `.` (as in sqlite's shell), so they can never be mistaken for a
/// QMP command: `quit` is QEMU's command that stops the VM, `.quit` leaves the shell.
public enum MetaCommand: Sendable, Hashable {
  /// `.help` (the syntax) or `.help NAME` (a command's arguments, from the schema).
  case help(topic: String?)
  /// `.quit` or `.exit`: leave the shell; QEMU keeps running.
  case quit

  /// The meta-commands and what they do, for `.help`.
  public static let summary: [(usage: String, purpose: String)] = [
    (".help", "this text"),
    (".help COMMAND", "a QMP command's arguments and types"),
    (".quit, .exit", "leave the shell (`quit` stops QEMU)"),
  ]

  /// Parses a line whose first non-blank character is `.`; `start` is the offset of the dot.
  static func parse(_ bytes: [UInt8], from start: Int) throws(LineError) -> MetaCommand {
    var words: [(text: String, offset: Int)] = []
    var index = start
    while index < bytes.count {
      while index < bytes.count, isBlank(bytes[index]) { index += 1 }
      guard index < bytes.count else { break }
      let wordStart = index
      while index < bytes.count, !isBlank(bytes[index]) { index += 1 }
      words.append((String(decoding: bytes[wordStart..<index], as: UTF8.self), wordStart))
    }
    let name = words[0].text
    switch name {
    case ".help":
      guard words.count <= 2 else {
        throw LineError(words[2].offset, ".help takes at most one command name")
      }
      return .help(topic: words.count == 2 ? words[1].text : nil)
    case ".quit", ".exit":
      guard words.count == 1 else {
        throw LineError(words[1].offset, "\(name) takes no arguments")
      }
      return .quit
    default:
      let known = [".help", ".quit", ".exit"]
      var message = "unknown shell command \(name)"
      if let suggestion = Suggestion.closest(to: name, among: known) {
        message += "; did you mean \(suggestion)?"
      } else {
        message += " (shell commands: .help, .quit)"
      }
      throw LineError(start, message)
    }
  }
}

/// Blanks separate tokens: space and tab.
@inline(__always)
func isBlank(_ byte: UInt8) -> Bool {
  byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
}
