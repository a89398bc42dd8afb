import QMPCodec

/// Parses a JSON value, or a Python-style literal, out of a line of input.
///
/// Shorthand values like `{'a': 1, "b": [true, None]}` are what users paste from Python
/// scripts and QEMU's docs, so the Python dialect accepts, on top of JSON: single-quoted
/// strings (with the same backslash escapes plus `\'`), `True`/`False`/`None`, and a trailing
/// comma before `]` or `}`. Numbers follow JSON's grammar and the codec's rules: an integer is
/// exact over the whole `Int64` and `UInt64` range, a larger one or one with a fraction or
/// exponent is a `Double`, and a number too large for a `Double` is an error (JSON has no
/// infinity). Duplicate keys are an error, as QEMU rejects them too.
struct LiteralParser {
  /// How deep arrays and objects may nest. Real QMP arguments nest a handful of levels; the
  /// bound keeps the recursive parser far from the end of any thread's stack.
  static let maximumDepth = 128

  let bytes: [UInt8]
  /// Accept the Python dialect (see the type's description).
  let python: Bool
  private(set) var index: Int

  init(_ bytes: [UInt8], at index: Int, python: Bool) {
    self.bytes = bytes
    self.index = index
    self.python = python
  }

  /// Parses one value starting at `index` (no leading blanks), leaving `index` just after it.
  mutating func parseValue() throws(LineError) -> JSONValue {
    try value(depth: 0)
  }

  private var atEnd: Bool { index >= bytes.count }

  private mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
        index += 1
      default: return
      }
    }
  }

  private func describeByte(at offset: Int) -> String {
    guard offset < bytes.count else { return "end of line" }
    let byte = bytes[offset]
    if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
    if byte == UInt8(ascii: " ") { return "a blank" }
    if byte < 0x80 { return "control character \\u00\(String(byte, radix: 16))" }
    var end = offset + 1
    while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
    return "'\(String(decoding: bytes[offset..<end], as: UTF8.self))'"
  }

  private mutating func value(depth: Int) throws(LineError) -> JSONValue {
    guard !atEnd else { throw LineError(index, "expected a value, found end of line") }
    switch bytes[index] {
    case UInt8(ascii: "{"): return try object(depth: depth + 1)
    case UInt8(ascii: "["): return try array(depth: depth + 1)
    case UInt8(ascii: "\""): return .string(try string())
    case UInt8(ascii: "'") where python: return .string(try string())
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
    default: return try keyword()
    }
  }

  private mutating func keyword() throws(LineError) -> JSONValue {
    let start = index
    while index < bytes.count, isIdentifierByte(bytes[index]) { index += 1 }
    let word = bytes[start..<index]
    if word.elementsEqual("true".utf8) { return .bool(true) }
    if word.elementsEqual("false".utf8) { return .bool(false) }
    if word.elementsEqual("null".utf8) { return .null }
    if python {
      if word.elementsEqual("True".utf8) { return .bool(true) }
      if word.elementsEqual("False".utf8) { return .bool(false) }
      if word.elementsEqual("None".utf8) { return .null }
    }
    if word.isEmpty {
      throw LineError(start, "expected a value, found \(describeByte(at: start))")
    }
    let text = String(decoding: word, as: UTF8.self)
    throw LineError(start, "unknown word \(text) in a literal (strings need quotes)")
  }

  private func isIdentifierByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
      return true
    default: return byte >= 0x80
    }
  }

  private mutating func object(depth: Int) throws(LineError) -> JSONValue {
    guard depth <= Self.maximumDepth else {
      throw LineError(index, "nested more than \(Self.maximumDepth) levels deep")
    }
    index += 1  // {
    var members = JSONObject()
    skipWhitespace()
    if !atEnd, bytes[index] == UInt8(ascii: "}") {
      index += 1
      return .object(members)
    }
    while true {
      skipWhitespace()
      let keyStart = index
      guard !atEnd,
        bytes[index] == UInt8(ascii: "\"") || (python && bytes[index] == UInt8(ascii: "'"))
      else {
        throw LineError(index, "expected a quoted key, found \(describeByte(at: index))")
      }
      let key = try string()
      skipWhitespace()
      guard !atEnd, bytes[index] == UInt8(ascii: ":") else {
        throw LineError(index, "expected ':' after a key, found \(describeByte(at: index))")
      }
      index += 1
      skipWhitespace()
      let member = try value(depth: depth)
      guard members.updateValue(member, forKey: key) == nil else {
        throw LineError(keyStart, "duplicate key \"\(key)\" in an object")
      }
      skipWhitespace()
      guard !atEnd else { throw LineError(index, "unclosed '{': expected ',' or '}'") }
      if bytes[index] == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      }
      guard bytes[index] == UInt8(ascii: ",") else {
        throw LineError(index, "expected ',' or '}' in an object, found \(describeByte(at: index))")
      }
      index += 1
      if python {
        skipWhitespace()
        if !atEnd, bytes[index] == UInt8(ascii: "}") {
          index += 1
          return .object(members)
        }
      }
    }
  }

  private mutating func array(depth: Int) throws(LineError) -> JSONValue {
    guard depth <= Self.maximumDepth else {
      throw LineError(index, "nested more than \(Self.maximumDepth) levels deep")
    }
    index += 1  // [
    var elements: [JSONValue] = []
    skipWhitespace()
    if !atEnd, bytes[index] == UInt8(ascii: "]") {
      index += 1
      return .array(elements)
    }
    while true {
      skipWhitespace()
      elements.append(try value(depth: depth))
      skipWhitespace()
      guard !atEnd else { throw LineError(index, "unclosed '[': expected ',' or ']'") }
      if bytes[index] == UInt8(ascii: "]") {
        index += 1
        return .array(elements)
      }
      guard bytes[index] == UInt8(ascii: ",") else {
        throw LineError(index, "expected ',' or ']' in an array, found \(describeByte(at: index))")
      }
      index += 1
      if python {
        skipWhitespace()
        if !atEnd, bytes[index] == UInt8(ascii: "]") {
          index += 1
          return .array(elements)
        }
      }
    }
  }

  /// A quoted string at `index` (its quote decides the closing quote) with JSON's escapes;
  /// in the Python dialect `\'` too.
  mutating func string() throws(LineError) -> String {
    let quote = bytes[index]
    let start = index
    index += 1
    // Fast path: no escapes.
    var scan = index
    while scan < bytes.count, bytes[scan] != quote, bytes[scan] != UInt8(ascii: "\\"),
      bytes[scan] >= 0x20
    {
      scan += 1
    }
    if scan < bytes.count, bytes[scan] == quote {
      let text = String(decoding: bytes[index..<scan], as: UTF8.self)
      index = scan + 1
      return text
    }
    var out: [UInt8] = Array(bytes[index..<scan])
    index = scan
    while true {
      guard index < bytes.count else { throw LineError(start, "unterminated string") }
      let byte = bytes[index]
      if byte == quote {
        index += 1
        return String(decoding: out, as: UTF8.self)
      }
      if byte < 0x20 {
        throw LineError(index, "control character in a string (write it as an escape)")
      }
      if byte != UInt8(ascii: "\\") {
        out.append(byte)
        index += 1
        continue
      }
      let escapeStart = index
      index += 1
      guard index < bytes.count else { throw LineError(start, "unterminated string") }
      let escaped = bytes[index]
      index += 1
      switch escaped {
      case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escaped)
      case UInt8(ascii: "'") where python: out.append(escaped)
      case UInt8(ascii: "b"): out.append(0x08)
      case UInt8(ascii: "f"): out.append(0x0C)
      case UInt8(ascii: "n"): out.append(0x0A)
      case UInt8(ascii: "r"): out.append(0x0D)
      case UInt8(ascii: "t"): out.append(0x09)
      case UInt8(ascii: "u"):
        var scalar = try hex4(escapeStart)
        if (0xD800..<0xDC00).contains(scalar) {
          guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
          else { throw LineError(escapeStart, "lone surrogate \\u escape in a string") }
          let lowStart = index
          index += 2
          let low = try hex4(lowStart)
          guard (0xDC00..<0xE000).contains(low) else {
            throw LineError(escapeStart, "lone surrogate \\u escape in a string")
          }
          scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        } else if (0xDC00..<0xE000).contains(scalar) {
          throw LineError(escapeStart, "lone surrogate \\u escape in a string")
        }
        // Every value left is a valid scalar: surrogates were handled above.
        let character = Unicode.Scalar(scalar) ?? "\u{FFFD}"
        out.append(contentsOf: String(Character(character)).utf8)
      default:
        throw LineError(escapeStart, "invalid escape \\\(describeEscape(escaped)) in a string")
      }
    }
  }

  private func describeEscape(_ byte: UInt8) -> String {
    byte >= 0x21 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "(byte \(byte))"
  }

  /// Four hex digits after `\u` (index is at the first digit).
  private mutating func hex4(_ escapeStart: Int) throws(LineError) -> UInt32 {
    guard index + 4 <= bytes.count else {
      throw LineError(escapeStart, "\\u needs four hex digits")
    }
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = bytes[index]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw LineError(escapeStart, "\\u needs four hex digits")
      }
      value = value << 4 | UInt32(digit)
      index += 1
    }
    return value
  }

  private mutating func number() throws(LineError) -> JSONValue {
    let start = index
    guard let end = NumberText.scan(bytes, from: start), end > start else {
      throw LineError(start, "malformed number")
    }
    index = end
    if end < bytes.count, isIdentifierByte(bytes[end]) || bytes[end] == UInt8(ascii: ".") {
      throw LineError(start, "malformed number")
    }
    return try NumberText.value(bytes[start..<end], offset: start)
  }
}

/// JSON's number grammar, shared by literals and unquoted shorthand values.
enum NumberText {
  /// The end of the JSON number that starts at `start`, or nil if none does.
  static func scan(_ bytes: [UInt8], from start: Int) -> Int? {
    var i = start
    func digit(_ at: Int) -> Bool {
      at < bytes.count && bytes[at] >= UInt8(ascii: "0") && bytes[at] <= UInt8(ascii: "9")
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "-") { i += 1 }
    guard digit(i) else { return nil }
    if bytes[i] == UInt8(ascii: "0") {
      i += 1
    } else {
      while digit(i) { i += 1 }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
      guard digit(i + 1) else { return nil }
      i += 1
      while digit(i) { i += 1 }
    }
    if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      var j = i + 1
      if j < bytes.count, bytes[j] == UInt8(ascii: "+") || bytes[j] == UInt8(ascii: "-") {
        j += 1
      }
      guard digit(j) else { return nil }
      i = j
      while digit(i) { i += 1 }
    }
    return i
  }

  /// True when `bytes` is exactly one JSON number.
  static func isNumber(_ bytes: ArraySlice<UInt8>) -> Bool {
    let array = Array(bytes)
    return scan(array, from: 0) == array.count
  }

  /// The value of a JSON number's text: exact integers when they fit 64 bits, else a Double.
  static func value(_ text: ArraySlice<UInt8>, offset: Int) throws(LineError) -> JSONValue {
    let isInteger = !text.contains { byte in
      byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
    }
    let string = String(decoding: text, as: UTF8.self)
    if isInteger {
      if text.first == UInt8(ascii: "-") {
        if let value = Int64(string) { return .int(value) }
      } else if let value = UInt64(string) {
        return .integer(value)
      }
    }
    guard let double = Double(string), double.isFinite else {
      throw LineError(offset, "number \(string) is too large")
    }
    return .double(double)
  }
}
