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

/// Stacks and buffers a parse needs, kept between parses by the stream decoder so that
/// decoding many small messages does not allocate them again for each one.
struct JSONParserWorkspace: Sendable {
  /// One open container. Its elements (and, for an object, its keys) so far are at the end
  /// of the shared `values` and `keys` stacks, from these starts on.
  struct Frame: Sendable {
    var isObject: Bool
    var valuesStart: Int
    var keysStart: Int
    /// The keys so far, once an object is too big for a linear duplicate check.
    var keySet: Set<String>?
  }

  var frames: [Frame] = []
  var values: [JSONValue] = []
  var keys: [String] = []
  /// Reused buffer for strings with escapes.
  var scratch: [UInt8] = []

  /// Empties the stacks (after an error they hold partial results); gives back memory a huge
  /// document made them take.
  mutating func reset() {
    if values.capacity > 65_536 || keys.capacity > 65_536 || scratch.capacity > 1 << 20 {
      self = JSONParserWorkspace()
      return
    }
    frames.removeAll(keepingCapacity: true)
    values.removeAll(keepingCapacity: true)
    keys.removeAll(keepingCapacity: true)
  }
}

/// A strict, non-recursive JSON parser over a contiguous byte buffer.
///
/// It keeps an explicit stack of open containers instead of recursing, so a document at the
/// nesting limit cannot overflow a small thread stack (NIO and Swift concurrency threads).
/// Elements and keys of open containers wait on two shared stacks; each container is built
/// once, at its exact size, when it closes.
struct JSONParser {
  let bytes: UnsafeBufferPointer<UInt8>
  let maximumDepth: Int
  var index = 0
  var workspace: JSONParserWorkspace

  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int = 1024
  ) throws(JSONParseError) -> JSONValue {
    var workspace = JSONParserWorkspace()
    return try parse(bytes, maximumDepth: maximumDepth, workspace: &workspace)
  }

  static func parse(
    _ bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, workspace: inout JSONParserWorkspace
  ) throws(JSONParseError) -> JSONValue {
    // Move the workspace in (not copy), so its arrays stay uniquely referenced.
    var parser = JSONParser(bytes: bytes, maximumDepth: maximumDepth, workspace: workspace)
    workspace = JSONParserWorkspace()
    defer {
      parser.workspace.reset()
      workspace = parser.workspace
    }
    let value = try parser.parseValue()
    parser.skipWhitespace()
    if parser.index < bytes.count {
      throw JSONParseError(.trailingData, at: parser.index)
    }
    return value
  }

  init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int, workspace: JSONParserWorkspace) {
    self.bytes = bytes
    self.maximumDepth = maximumDepth
    self.workspace = workspace
  }

  // MARK: Structure

  mutating func parseValue() throws(JSONParseError) -> JSONValue {
    var value: JSONValue

    readValue: while true {
      skipWhitespace()
      guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
      switch bytes[index] {
      case UInt8(ascii: "{"):
        guard workspace.frames.count < maximumDepth else {
          throw JSONParseError(.tooDeep(limit: maximumDepth), at: index)
        }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
          index += 1
          value = .object([:])
        } else {
          workspace.frames.append(
            .init(
              isObject: true, valuesStart: workspace.values.count,
              keysStart: workspace.keys.count))
          try readKey()
          continue readValue
        }
      case UInt8(ascii: "["):
        guard workspace.frames.count < maximumDepth else {
          throw JSONParseError(.tooDeep(limit: maximumDepth), at: index)
        }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
          index += 1
          value = .array([])
        } else {
          workspace.frames.append(
            .init(
              isObject: false, valuesStart: workspace.values.count,
              keysStart: workspace.keys.count))
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
      while let frame = workspace.frames.last {
        workspace.values.append(value)
        skipWhitespace()
        guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
        let byte = bytes[index]
        index += 1
        if frame.isObject {
          if byte == UInt8(ascii: ",") {
            skipWhitespace()
            try readKey()
            continue readValue
          }
          guard byte == UInt8(ascii: "}") else {
            throw JSONParseError(.unexpectedByte(byte, expected: "',' or '}'"), at: index - 1)
          }
          workspace.frames.removeLast()
          // Keys were checked for duplicates as they were read.
          value = .object(
            JSONObject(
              uncheckedUniqueKeys: Self.popTail(&workspace.keys, from: frame.keysStart),
              values: Self.popTail(&workspace.values, from: frame.valuesStart)))
        } else {
          if byte == UInt8(ascii: ",") { continue readValue }
          guard byte == UInt8(ascii: "]") else {
            throw JSONParseError(.unexpectedByte(byte, expected: "',' or ']'"), at: index - 1)
          }
          workspace.frames.removeLast()
          value = .array(Self.popTail(&workspace.values, from: frame.valuesStart))
        }
      }
      return value
    }
  }

  /// Copies `stack[start...]` into a new array of exactly that size and shortens the stack.
  ///
  /// `reserveCapacity` is used on purpose: it allocates through code specialised for the
  /// element type, while `Array(unsafeUninitializedCapacity:)` goes through an unspecialised
  /// runtime path that looks up type metadata on every call (a quarter of the decoding time
  /// of small messages, measured with callgrind).
  @inline(__always)
  private static func popTail<T>(_ stack: inout [T], from start: Int) -> [T] {
    let count = stack.count - start
    guard count > 0 else { return [] }
    var tail: [T] = []
    tail.reserveCapacity(count)
    tail.append(contentsOf: stack[start...])
    stack.removeLast(count)
    return tail
  }

  /// Reads `"key" :` for the innermost object, rejecting a key it already has, so that a
  /// duplicate is reported where it appears, before anything after it.
  private mutating func readKey() throws(JSONParseError) {
    guard index < bytes.count else { throw JSONParseError(.unexpectedEnd, at: index) }
    guard bytes[index] == UInt8(ascii: "\"") else {
      throw JSONParseError(.unexpectedByte(bytes[index], expected: "a string key"), at: index)
    }
    let keyOffset = index
    let key = try parseString()
    let top = workspace.frames.count - 1
    let keysStart = workspace.frames[top].keysStart
    let count = workspace.keys.count - keysStart
    if count < 16 {
      // Most QMP objects are small: comparing a few keys beats hashing.
      var i = keysStart
      while i < workspace.keys.count {
        if workspace.keys[i] == key { throw JSONParseError(.duplicateKey(key), at: keyOffset) }
        i += 1
      }
    } else {
      if workspace.frames[top].keySet == nil {
        workspace.frames[top].keySet = Set(workspace.keys[keysStart...])
      }
      if !workspace.frames[top].keySet!.insert(key).inserted {
        throw JSONParseError(.duplicateKey(key), at: keyOffset)
      }
    }
    workspace.keys.append(key)
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
    workspace.scratch.removeAll(keepingCapacity: true)
    workspace.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
    var i = firstEscape
    while true {
      guard i < bytes.count else { throw JSONParseError(.unexpectedEnd, at: i) }
      let byte = bytes[i]
      switch byte {
      case UInt8(ascii: "\""):
        index = i + 1
        return String(decoding: workspace.scratch, as: UTF8.self)
      case UInt8(ascii: "\\"):
        i = try readEscape(at: i)
      case 0..<0x20:
        throw JSONParseError(.controlCharacterInString(byte), at: i)
      case 0x20..<0x80:
        workspace.scratch.append(byte)
        i += 1
      default:
        let end = try validateUTF8(at: i)
        workspace.scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<end]))
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
    workspace.scratch.append(simple)
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
      workspace.scratch.append(UInt8(scalar))
    case 0x80..<0x800:
      workspace.scratch.append(UInt8(0xC0 | scalar >> 6))
      workspace.scratch.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      workspace.scratch.append(UInt8(0xE0 | scalar >> 12))
      workspace.scratch.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
      workspace.scratch.append(UInt8(0x80 | scalar & 0x3F))
    default:
      workspace.scratch.append(UInt8(0xF0 | scalar >> 18))
      workspace.scratch.append(UInt8(0x80 | (scalar >> 12) & 0x3F))
      workspace.scratch.append(UInt8(0x80 | (scalar >> 6) & 0x3F))
      workspace.scratch.append(UInt8(0x80 | scalar & 0x3F))
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
