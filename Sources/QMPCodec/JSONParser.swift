extension JSONValue {
  /// Parses one JSON text (RFC 8259, strictly) from UTF-8 bytes.
  ///
  /// Number rules: an integer literal that fits `Int64` is ``int(_:)``; one above `Int64.max`
  /// up to `UInt64.max` is ``uint(_:)``; an integer outside both ranges, and any literal with
  /// a fraction or exponent, is ``double(_:)`` (read exactly, as `strtod` would). `-0` is the
  /// integer 0, as QEMU reads it; `-0.0` is the double negative zero. A number too large for a
  /// `Double` (`1e400`) is an error rather than an infinity that JSON cannot write back.
  ///
  /// - Throws: ``JSONParseError`` naming the problem and its byte offset.
  public init(parsing bytes: some Collection<UInt8>, maximumDepth: Int = 1024) throws {
    let parsed = try bytes.withContiguousStorageIfAvailable {
      try JSONParser.parse($0, maximumDepth: maximumDepth)
    }
    if let parsed {
      self = parsed
    } else {
      self = try Array(bytes).withUnsafeBufferPointer {
        try JSONParser.parse($0, maximumDepth: maximumDepth)
      }
    }
  }

  /// Parses one JSON text from a string (its UTF-8 bytes).
  public init(parsing text: String, maximumDepth: Int = 1024) throws {
    var text = text
    self = try text.withUTF8 { try JSONParser.parse($0, maximumDepth: maximumDepth) }
  }
}

/// A strict, non-recursive JSON parser over a contiguous byte buffer.
///
/// It keeps an explicit stack of open containers instead of recursing, so a document at the
/// nesting limit cannot overflow a small thread stack (NIO and Swift concurrency threads).
struct JSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  let maximumDepth: Int
  var index = 0
  /// Reused buffer for strings with escapes.
  var scratch: [UInt8] = []

  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = 1024
  ) throws(JSONParseError) -> JSONValue {
    var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth)
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.index < bytes.count {
      throw JSONParseError(.trailingData, at: parser.index)
    }
    return value
  }

  init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
    self.bytes = bytes
    self.maximumDepth = maximumDepth
  }

  // MARK: Structure

  /// One open container; its contents so far are on the `arrays` or `objects` stack.
  private enum Frame {
    case array
    case object
  }

  mutating func parseValue() throws(JSONParseError) -> JSONValue {
    var frames: [Frame] = []
    var arrays: [[JSONValue]] = []
    var objects: [JSONObject] = []
    var value: JSONValue

    readValue: while true {
      skipWhitespace()
      guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
      switch bytes[index] {
      case UInt8(ascii: "{"):
        guard frames.count < maximumDepth else {
          throw JSONParseError(.tooDeep(limit: maximumDepth), at: index)
        }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
          index += 1
          value = .object([:])
        } else {
          frames.append(.object)
          objects.append(JSONObject())
          try readKey(into: &objects[objects.count - 1])
          continue readValue
        }
      case UInt8(ascii: "["):
        guard frames.count < maximumDepth else {
          throw JSONParseError(.tooDeep(limit: maximumDepth), at: index)
        }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
          index += 1
          value = .array([])
        } else {
          frames.append(.array)
          arrays.append([])
          continue readValue
        }
      case UInt8(ascii: "\""):
        value = .string(try parseString())
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        value = try parseNumber()
      case UInt8(ascii: "t"):
        try expectLiteral("true")
        value = .bool(true)
      case UInt8(ascii: "f"):
        try expectLiteral("false")
        value = .bool(false)
      case UInt8(ascii: "n"):
        try expectLiteral("null")
        value = .null
      case let byte:
        throw JSONParseError(.unexpectedByte(byte, expected: "a JSON value"), at: index)
      }

      // A value is complete: store it in its container, closing containers as they end.
      while let frame = frames.last {
        skipWhitespace()
        switch frame {
        case .array:
          arrays[arrays.count - 1].append(value)
          guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
          let byte = bytes[index]
          index += 1
          if byte == UInt8(ascii: ",") { continue readValue }
          guard byte == UInt8(ascii: "]") else {
            throw JSONParseError(.unexpectedByte(byte, expected: "',' or ']'"), at: index - 1)
          }
          frames.removeLast()
          value = .array(arrays.removeLast())
        case .object:
          let last = objects.count - 1
          objects[last].values[objects[last].count - 1] = value
          guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
          let byte = bytes[index]
          index += 1
          if byte == UInt8(ascii: ",") {
            skipWhitespace()
            try readKey(into: &objects[last])
            continue readValue
          }
          guard byte == UInt8(ascii: "}") else {
            throw JSONParseError(.unexpectedByte(byte, expected: "',' or '}'"), at: index - 1)
          }
          frames.removeLast()
          value = .object(objects.removeLast())
        }
      }
      return value
    }
  }

  /// Reads `"key" :` and reserves the key's slot (filled when its value is read), so that a
  /// duplicate key is reported where it appears, before anything after it.
  private mutating func readKey(into object: inout JSONObject) throws(JSONParseError) {
    guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
    guard bytes[index] == UInt8(ascii: "\"") else {
      throw JSONParseError(.unexpectedByte(bytes[index], expected: "a string key"), at: index)
    }
    let keyOffset = index
    let key = try parseString()
    if object.updateValue(.null, forKey: key) != nil {
      throw JSONParseError(.duplicateKey(key), at: keyOffset)
    }
    skipWhitespace()
    guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
    guard bytes[index] == UInt8(ascii: ":") else {
      throw JSONParseError(.unexpectedByte(bytes[index], expected: "':'"), at: index)
    }
    index += 1
  }

  @inline(__always)
  mutating func skipWhitespace() {
    while index < bytes.count {
      switch bytes[index] {
      case 0x20, 0x0A, 0x0D, 0x09: index += 1
      default: return
      }
    }
  }

  private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
    let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
    for byte in expected {
      guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
      guard bytes[index] == byte else {
        throw JSONParseError(
          .unexpectedByte(bytes[index], expected: "'\(literal)'"), at: index)
      }
      index += 1
    }
  }

  // MARK: Numbers

  @inline(__always)
  private static func isDigit(_ byte: UInt8) -> Bool {
    byte &- UInt8(ascii: "0") < 10
  }

  private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
    let start = index
    var i = index
    let negative = bytes[i] == UInt8(ascii: "-")
    if negative { i += 1 }
    guard i < bytes.count else { throw JSONParseError(.unexpectedEnd, at: i) }
    var magnitude: UInt64 = 0
    var overflow = false
    let first = bytes[i]
    if first == UInt8(ascii: "0") {
      i += 1
      if i < bytes.count && Self.isDigit(bytes[i]) {
        throw JSONParseError(
          .unexpectedByte(bytes[i], expected: "'.', 'e' or the end of the number after 0"), at: i)
      }
    } else if Self.isDigit(first) {
      while i < bytes.count && Self.isDigit(bytes[i]) {
        let digit = UInt64(bytes[i] &- UInt8(ascii: "0"))
        if !overflow {
          let (times10, o1) = magnitude.multipliedReportingOverflow(by: 10)
          let (sum, o2) = times10.addingReportingOverflow(digit)
          magnitude = sum
          overflow = o1 || o2
        }
        i += 1
      }
    } else {
      throw JSONParseError(.unexpectedByte(first, expected: "a digit"), at: i)
    }

    var isInteger = true
    if i < bytes.count && bytes[i] == UInt8(ascii: ".") {
      isInteger = false
      i += 1
      i = try skipDigits(from: i, after: "'.'")
    }
    if i < bytes.count && (bytes[i] | 0x20) == UInt8(ascii: "e") {
      isInteger = false
      i += 1
      if i < bytes.count && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) {
        i += 1
      }
      i = try skipDigits(from: i, after: "the exponent")
    }
    index = i

    if isInteger && !overflow {
      if !negative {
        return magnitude <= UInt64(Int64.max) ? .int(Int64(magnitude)) : .uint(magnitude)
      }
      if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
      if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
    }
    // Let the standard library do the exact decimal-to-binary conversion: hand-rolled float
    // parsing is where JSON parsers get the last bit wrong. It is locale-independent.
    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
    guard let double = Double(text), double.isFinite else {
      throw JSONParseError(.numberOutOfRange, at: start)
    }
    return .double(double)
  }

  private func skipDigits(from start: Int, after what: String) throws(JSONParseError) -> Int {
    var i = start
    guard i < bytes.count else { throw JSONParseError(.unexpectedEnd, at: i) }
    guard Self.isDigit(bytes[i]) else {
      throw JSONParseError(.unexpectedByte(bytes[i], expected: "a digit after \(what)"), at: i)
    }
    while i < bytes.count && Self.isDigit(bytes[i]) { i += 1 }
    return i
  }

  // MARK: Strings

  /// Reads a string starting at its opening quote. The common case (no escapes) becomes a
  /// `String` straight from the input bytes, with no intermediate copy.
  mutating func parseString() throws(JSONParseError) -> String {
    let start = index + 1
    var i = start
    while true {
      guard i < bytes.count else { throw JSONParseError(.unexpectedEnd, at: i) }
      let byte = bytes[i]
      if byte == UInt8(ascii: "\"") {
        index = i + 1
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
      }
      if byte == UInt8(ascii: "\\") {
        return try parseEscapedString(start: start, firstEscape: i)
      }
      if byte < 0x20 {
        throw JSONParseError(.controlCharacterInString(byte), at: i)
      }
      i = byte < 0x80 ? i + 1 : try validateUTF8(at: i)
    }
  }

  private mutating func parseEscapedString(
    start: Int, firstEscape: Int
  ) throws(JSONParseError) -> String {
    scratch.removeAll(keepingCapacity: true)
    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
    var i = firstEscape
    while true {
      guard i < bytes.count else { throw JSONParseError(.unexpectedEnd, at: i) }
      let byte = bytes[i]
      switch byte {
      case UInt8(ascii: "\""):
        index = i + 1
        return String(decoding: scratch, as: UTF8.self)
      case UInt8(ascii: "\\"):
        i = try readEscape(at: i)
      case 0..<0x20:
        throw JSONParseError(.controlCharacterInString(byte), at: i)
      case 0x20..<0x80:
        scratch.append(byte)
        i += 1
      default:
        let end = try validateUTF8(at: i)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
        i = end
      }
    }
  }

  /// Decodes the escape at `i` (a backslash) into `scratch`; returns the index after it.
  private mutating func readEscape(at i: Int) throws(JSONParseError) -> Int {
    guard i + 1 < bytes.count else { throw JSONParseError(.unexpectedEnd, at: i + 1) }
    let escaped = bytes[i + 1]
    let simple: UInt8
    switch escaped {
    case UInt8(ascii: "\""): simple = 0x22
    case UInt8(ascii: "\\"): simple = 0x5C
    case UInt8(ascii: "/"): simple = 0x2F
    case UInt8(ascii: "b"): simple = 0x08
    case UInt8(ascii: "f"): simple = 0x0C
    case UInt8(ascii: "n"): simple = 0x0A
    case UInt8(ascii: "r"): simple = 0x0D
    case UInt8(ascii: "t"): simple = 0x09
    case UInt8(ascii: "u"):
      let unit = try readHex4(at: i + 2)
      var scalarValue = UInt32(unit)
      var next = i + 6
      if unit >= 0xD800 && unit < 0xDC00 {
        // A high surrogate must be followed at once by an escaped low surrogate.
        guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"),
          bytes[next + 1] == UInt8(ascii: "u")
        else { throw JSONParseError(.loneSurrogate(unit), at: i) }
        let low = try readHex4(at: next + 2)
        guard low >= 0xDC00 && low < 0xE000 else {
          throw JSONParseError(.loneSurrogate(unit), at: i)
        }
        scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
        next += 6
      } else if unit >= 0xDC00 && unit < 0xE000 {
        throw JSONParseError(.loneSurrogate(unit), at: i)
      }
      appendUTF8(scalarValue)
      return next
    default:
      throw JSONParseError(.invalidEscape(escaped), at: i)
    }
    scratch.append(simple)
    return i + 2
  }

  private func readHex4(at i: Int) throws(JSONParseError) -> UInt16 {
    var unit: UInt16 = 0
    for j in i..<(i + 4) {
      guard j < bytes.count else { throw JSONParseError(.unexpectedEnd, at: j) }
      let byte = bytes[j]
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw JSONParseError(.invalidUnicodeEscape, at: j)
      }
      unit = unit << 4 | UInt16(digit)
    }
    return unit
  }

  private mutating func appendUTF8(_ scalar: UInt32) {
    switch scalar {
    case 0..<0x80:
      scratch.append(UInt8(scalar))
    case 0x80..<0x800:
      scratch.append(UInt8(0xC0 | scalar >> 6))
      scratch.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      scratch.append(UInt8(0xE0 | scalar >> 12))
      scratch.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
      scratch.append(UInt8(0x80 | scalar & 0x3F))
    default:
      scratch.append(UInt8(0xF0 | scalar >> 18))
      scratch.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
      scratch.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
      scratch.append(UInt8(0x80 | scalar & 0x3F))
    }
  }

  /// Checks the multi-byte UTF-8 sequence whose lead byte is at `i` (RFC 3629: no overlong
  /// forms, no surrogates, nothing above U+10FFFF); returns the index after it. The error
  /// points at the first byte that makes the sequence invalid.
  private func validateUTF8(at i: Int) throws(JSONParseError) -> Int {
    let lead = bytes[i]
    let length: Int
    var low: UInt8 = 0x80
    var high: UInt8 = 0xBF
    switch lead {
    case 0xC2...0xDF: length = 2
    case 0xE0: length = 3; low = 0xA0
    case 0xE1...0xEC, 0xEE...0xEF: length = 3
    case 0xED: length = 3; high = 0x9F
    case 0xF0: length = 4; low = 0x90
    case 0xF1...0xF3: length = 4
    case 0xF4: length = 4; high = 0x8F
    default: throw JSONParseError(.invalidUTF8, at: i)
    }
    for j in (i + 1)..<(i + length) {
      guard j < bytes.count else { throw JSONParseError(.unexpectedEnd, at: j) }
      let byte = bytes[j]
      guard byte >= low && byte <= high else { throw JSONParseError(.invalidUTF8, at: j) }
      low = 0x80
      high = 0xBF
    }
    return i + length
  }
}
