/// A line the command language cannot turn into a command.
///
/// It names the line and the column (both 1-based; the column counts characters, not bytes)
/// so that a script author can find the mistake, and a terminal can point at it.
public struct CommandSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
  public var line: Int
  public var column: Int
  public var message: String

  public init(line: Int, column: Int, message: String) {
    self.line = line
    self.column = column
    self.message = message
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
