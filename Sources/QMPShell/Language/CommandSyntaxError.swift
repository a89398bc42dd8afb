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
  /// Locates the error in `bytes`, which may span several lines joined by `\n` (raw JSON that
  /// continues over lines) starting at line `firstLine`.
  func located(in bytes: [UInt8], firstLine: Int) -> CommandSyntaxError {
    let clamped = min(max(offset, 0), bytes.count)
    var line = firstLine
    var lineStart = 0
    for index in 0..<clamped where bytes[index] == UInt8(ascii: "\n") {
      line += 1
      lineStart = index + 1
    }
    let column = String(decoding: bytes[lineStart..<clamped], as: UTF8.self).count + 1
    return CommandSyntaxError(line: line, column: column, message: message)
  }
}
