/// Splits a shorthand line into a name and `KEY=VALUE` tokens.
///
/// Tokens are separated by blanks. A value that starts with `"` is a JSON string, with `'` a
/// literal string up to the next `'`, with `{` or `[` a JSON or Python literal; all of these
/// may contain blanks and must be followed by a blank or the end of the line. Any other value
/// runs to the next blank. Quotes elsewhere in a token are ordinary characters.
enum ShorthandParser {
  /// Parses `bytes` from `start`. `allowClose` accepts a final standalone `)` (transactions).
  static func parse(_ bytes: [UInt8], from start: Int, allowClose: Bool) throws(LineError)
    -> ShorthandLine
  {
    var line = ShorthandLine(name: nil, nameOffset: start, arguments: [], closeOffset: nil)
    var index = skipBlanks(bytes, from: start)
    guard index < bytes.count else { return line }
    if allowClose, let close = try closing(bytes, at: index) {
      line.closeOffset = close
      return line
    }
    let nameStart = index
    while index < bytes.count, !isBlank(bytes[index]) { index += 1 }
    let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
    try validateName(bytes[nameStart..<index], offset: nameStart)
    line.name = name
    line.nameOffset = nameStart
    while true {
      index = skipBlanks(bytes, from: index)
      guard index < bytes.count else { break }
      if allowClose, let close = try closing(bytes, at: index) {
        line.closeOffset = close
        break
      }
      let (argument, end) = try argument(bytes, at: index)
      line.arguments.append(argument)
      index = end
    }
    return line
  }

  /// Command and action names: letters, digits, `_`, `-`, `.` (QMP's own rule, with the
  /// dot of vendor extensions like `__com.redhat_x`).
  static func validateName(_ name: ArraySlice<UInt8>, offset: Int) throws(LineError) {
    for (position, byte) in zip(name.indices, name) {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
        UInt8(ascii: "."):
        continue
      default:
        let text = String(decoding: name, as: UTF8.self)
        if byte == UInt8(ascii: "=") {
          throw LineError(
            offset, "a line starts with a command name, not with a KEY=VALUE pair (\(text))")
        }
        throw LineError(
          position,
          "invalid character in command name \(text)"
            + " (names use letters, digits, '_', '-' and '.')")
      }
    }
  }

  static func skipBlanks(_ bytes: [UInt8], from start: Int) -> Int {
    var index = start
    while index < bytes.count, isBlank(bytes[index]) { index += 1 }
    return index
  }

  /// The offset of a `)` token at `index` when it is the last thing on the line.
  private static func closing(_ bytes: [UInt8], at index: Int) throws(LineError) -> Int? {
    guard bytes[index] == UInt8(ascii: ")"),
      index + 1 == bytes.count || isBlank(bytes[index + 1])
    else { return nil }
    let rest = skipBlanks(bytes, from: index + 1)
    guard rest == bytes.count else {
      throw LineError(rest, "unexpected text after the closing ')' of the transaction")
    }
    return index
  }

  private static func argument(_ bytes: [UInt8], at start: Int) throws(LineError)
    -> (ShorthandArgument, Int)
  {
    var index = start
    while index < bytes.count, !isBlank(bytes[index]), bytes[index] != UInt8(ascii: "=") {
      index += 1
    }
    guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
      let token = String(decoding: bytes[start..<index], as: UTF8.self)
      throw LineError(start, "expected KEY=VALUE, found \(token)")
    }
    let keyBytes = bytes[start..<index]
    let key = String(decoding: keyBytes, as: UTF8.self)
    try validateKey(keyBytes, offset: start)
    let valueStart = index + 1
    index = valueStart
    let value: ShorthandValue
    if index == bytes.count || isBlank(bytes[index]) {
      value = .bare("")
    } else {
      switch bytes[index] {
      case UInt8(ascii: "\""):
        var parser = LiteralParser(bytes, at: index, python: false)
        value = .quoted(try parser.string())
        index = parser.index
      case UInt8(ascii: "'"):
        guard let close = bytes[(index + 1)...].firstIndex(of: UInt8(ascii: "'")) else {
          throw LineError(index, "unterminated string: no closing '")
        }
        value = .quoted(String(decoding: bytes[(index + 1)..<close], as: UTF8.self))
        index = close + 1
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        var parser = LiteralParser(bytes, at: index, python: true)
        value = .literal(try parser.parseValue())
        index = parser.index
      default:
        while index < bytes.count, !isBlank(bytes[index]) { index += 1 }
        value = .bare(String(decoding: bytes[valueStart..<index], as: UTF8.self))
      }
      if index < bytes.count, !isBlank(bytes[index]) {
        let what: String
        switch value {
        case .literal: what = "the end of the value"
        default: what = "the closing quote"
        }
        throw LineError(
          index, "unexpected text after \(what) of \(key)= (separate arguments with a blank)")
      }
    }
    return (
      ShorthandArgument(key: key, keyOffset: start, value: value, valueOffset: valueStart), index
    )
  }

  /// Keys are non-empty; a dot separates non-empty parts.
  private static func validateKey(_ key: ArraySlice<UInt8>, offset: Int) throws(LineError) {
    guard !key.isEmpty else { throw LineError(offset, "missing key before '='") }
    var partStart = key.startIndex
    for position in key.indices where key[position] == UInt8(ascii: ".") {
      if position == partStart {
        throw LineError(
          position, "empty part in dotted key \(String(decoding: key, as: UTF8.self))")
      }
      partStart = position + 1
    }
    if partStart == key.endIndex {
      throw LineError(
        key.endIndex - 1, "empty part in dotted key \(String(decoding: key, as: UTF8.self))")
    }
  }
}
