/// A line the command language cannot turn into a command.
///
/// It names the line and the column (both 1-based; the column counts characters, not bytes)
/// so that a script author can find the mistake, and a terminal can point at it.
///
/// The message is always one line of visible text: messages quote what the user typed (a
/// token, a key), and a line can hold a vertical tab, a form feed, a `\r` or a Unicode line
/// separator, which would break the message over lines in a CI log or move a terminal's
/// cursor. Such characters are shown as escapes (`\x0b`, `\u2028`).
public struct CommandSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = Self.visible(message)
  }

  /// `text` with control characters (C0 but the tab, DEL, C1) and line or paragraph
  /// separators written as escapes. Text without any is returned as is.
  static func visible(_ text: String) -> String {
    func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
      switch scalar.value {
      case 0x09: return false
      case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: return true
      default: return false
      }
    }
    guard text.unicodeScalars.contains(where: needsEscape) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 8)
    for scalar in text.unicodeScalars {
      guard needsEscape(scalar) else {
        result.unicodeScalars.append(scalar)
        continue
      }
      let digits = scalar.value < 0x100 ? 2 : 4
      let hex = String(scalar.value, radix: 16)
      result +=
        (digits == 2 ? "\\x" : "\\u") + String(repeating: "0", count: digits - hex.count) + hex
    }
    return result
  }

  /// `line 3, column 14: key "id" is set twice`
  public var description: String { "line \(line), column \(column): \(message)" }
}

/// An error inside one line, located by a UTF-8 byte offset. The reader turns it into a
/// ``CommandSyntaxError`` once it knows the line number and text.
struct LineError: Error {
  var offset: Int
  var message: String

  init(_ offset: Int, _ message: String) {
    self.offset = offset
    self.message = message
  }
}

extension LineError {
  /// Locates the error in `bytes`, the text of line `firstLine`, or of several lines joined
  /// by the reader (raw JSON that continues over lines), which start at `lineStarts`.
  /// Newlines inside a line given to the reader do not count: only the reader's joins do.
  func located(in bytes: [UInt8], firstLine: Int, lineStarts: [Int] = [0]) -> CommandSyntaxError {
    let clamped = min(max(offset, 0), bytes.count)
    var index = lineStarts.count - 1
    while index > 0, lineStarts[index] > clamped { index -= 1 }
    let lineStart = min(lineStarts[index], clamped)
    let column = String(decoding: bytes[lineStart..<clamped], as: UTF8.self).count + 1
    return CommandSyntaxError(line: firstLine + index, column: column, message: message)
  }
}
