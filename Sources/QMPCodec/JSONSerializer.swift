/// How a ``JSONValue`` is written out.
public enum JSONStyle: Sendable, Hashable {
  /// One line, no blanks: `{"execute":"stop","id":"1"}`. What goes on the wire and what
  /// script mode prints, one document per line.
  case compact
  /// Indented by two spaces, one member per line, as people read it.
  case pretty
}

/// ANSI colours for JSON shown on a terminal, as SGR parameter lists (`"1;34"` is bold
/// blue). Each token is wrapped in `ESC[<parameters>m … ESC[0m`; punctuation stays plain so
/// the structure reads the same with or without colour.
public struct JSONColors: Sendable, Hashable {
  public var key: String
  public var string: String
  public var number: String
  /// `true`, `false` and `null`.
  public var literal: String

  public init(
    key: String = "1;34", string: String = "32", number: String = "36", literal: String = "35"
  ) {
    self.key = key
    self.string = string
    self.number = number
    self.literal = literal
  }

  /// Bold blue keys, green strings, cyan numbers, magenta literals (close to `jq -C`).
  public static let `default` = JSONColors()
}

extension JSONValue {
  /// The value as JSON text, optionally coloured for a terminal.
  public func serialized(_ style: JSONStyle = .compact, colors: JSONColors? = nil) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(64)
    write(to: &bytes, style: style, colors: colors)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the value as UTF-8 JSON text to `bytes`.
  public func write(to bytes: inout [UInt8], style: JSONStyle = .compact, colors: JSONColors? = nil)
  {
    let writer = JSONWriter(style: style, colors: colors)
    writer.write(self, into: &bytes, depth: 0)
  }
}

/// Writes JSON text into a byte buffer. Key order is the object's order; strings keep
/// non-ASCII characters as UTF-8 and escape only what JSON requires (plus DEL, which some
/// terminals act on). Integers and strings are written without building intermediate
/// `String`s, since this is the hot path for printing large replies.
struct JSONWriter {
  let pretty: Bool
  let palette: Palette?

  /// The escape sequences of a ``JSONColors``, prepared once per serialisation.
  struct Palette {
    let key: [UInt8]
    let string: [UInt8]
    let number: [UInt8]
    let literal: [UInt8]
    static let reset: [UInt8] = Array("\u{1B}[0m".utf8)

    init(_ colors: JSONColors) {
      func sequence(_ parameters: String) -> [UInt8] { Array("\u{1B}[\(parameters)m".utf8) }
      key = sequence(colors.key)
      string = sequence(colors.string)
      number = sequence(colors.number)
      literal = sequence(colors.literal)
    }
  }

  init(style: JSONStyle, colors: JSONColors?) {
    pretty = style == .pretty
    palette = colors.map(Palette.init)
  }

  func write(_ value: JSONValue, into out: inout [UInt8], depth: Int) {
    switch value {
    case .null: literal("null", into: &out)
    case .bool(let b): literal(b ? "true" : "false", into: &out)
    case .int(let i):
      if let palette { out.append(contentsOf: palette.number) }
      if i < 0 {
        out.append(UInt8(ascii: "-"))
        Self.writeDigits(i.magnitude, into: &out)
      } else {
        Self.writeDigits(UInt64(i), into: &out)
      }
      if palette != nil { out.append(contentsOf: Palette.reset) }
    case .uint(let u):
      if let palette { out.append(contentsOf: palette.number) }
      Self.writeDigits(u, into: &out)
      if palette != nil { out.append(contentsOf: Palette.reset) }
    case .double(let d):
      if !d.isFinite {
        literal("null", into: &out)
        return
      }
      if let palette { out.append(contentsOf: palette.number) }
      Self.writeDouble(d, into: &out)
      if palette != nil { out.append(contentsOf: Palette.reset) }
    case .string(let s):
      if let palette { out.append(contentsOf: palette.string) }
      Self.writeString(s, into: &out)
      if palette != nil { out.append(contentsOf: Palette.reset) }
    case .array(let elements):
      if elements.isEmpty {
        out.append(UInt8(ascii: "["))
        out.append(UInt8(ascii: "]"))
        return
      }
      out.append(UInt8(ascii: "["))
      // Through a buffer pointer, elements are borrowed rather than retained one by one.
      elements.withUnsafeBufferPointer { elements in
        for index in elements.indices {
          if index > 0 { out.append(UInt8(ascii: ",")) }
          newline(into: &out, depth: depth + 1)
          write(elements[index], into: &out, depth: depth + 1)
        }
      }
      newline(into: &out, depth: depth)
      out.append(UInt8(ascii: "]"))
    case .object(let object):
      if object.isEmpty {
        out.append(UInt8(ascii: "{"))
        out.append(UInt8(ascii: "}"))
        return
      }
      out.append(UInt8(ascii: "{"))
      object.keys.elements.withUnsafeBufferPointer { keys in
        object.values.withUnsafeBufferPointer { members in
          for index in keys.indices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            newline(into: &out, depth: depth + 1)
            if let palette { out.append(contentsOf: palette.key) }
            Self.writeString(keys[index], into: &out)
            if palette != nil { out.append(contentsOf: Palette.reset) }
            out.append(UInt8(ascii: ":"))
            if pretty { out.append(UInt8(ascii: " ")) }
            write(members[index], into: &out, depth: depth + 1)
          }
        }
      }
      newline(into: &out, depth: depth)
      out.append(UInt8(ascii: "}"))
    }
  }

  private func literal(_ text: StaticString, into out: inout [UInt8]) {
    if let palette { out.append(contentsOf: palette.literal) }
    out.append(
      contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    if palette != nil { out.append(contentsOf: Palette.reset) }
  }

  private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

  private func newline(into out: inout [UInt8], depth: Int) {
    guard pretty else { return }
    out.append(UInt8(ascii: "\n"))
    var remaining = depth * 2
    while remaining > 0 {
      let n = min(remaining, Self.spaces.count)
      out.append(contentsOf: Self.spaces[0..<n])
      remaining -= n
    }
  }

  static func writeDigits(_ value: UInt64, into out: inout [UInt8]) {
    if value < 10 {
      out.append(UInt8(ascii: "0") + UInt8(value))
      return
    }
    var count = 1
    var rest = value / 10
    while rest > 0 {
      count += 1
      rest /= 10
    }
    let start = out.count
    out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
    out.withUnsafeMutableBufferPointer { buffer in
      var v = value
      var i = start + count - 1
      while v > 0 {
        buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
        v /= 10
        i -= 1
      }
    }
  }

  /// JSON has no infinity or NaN; the caller writes them as `null` rather than invalid text.
  static func writeDouble(_ d: Double, into out: inout [UInt8]) {
    // Swift's description is the shortest text that reads back as the same Double, and
    // always has a fraction or an exponent, so it stays a double on the way back.
    out.append(contentsOf: d.description.utf8)
  }

  /// Bytes that need an escape: control characters, `"`, `\` and DEL.
  @inline(__always)
  private static func needsEscape(_ byte: UInt8) -> Bool {
    byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F
  }

  private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  static func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { bytes in
      var runStart = 0
      for i in 0..<bytes.count where needsEscape(bytes[i]) {
        if runStart < i {
          out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
        }
        runStart = i + 1
        let byte = bytes[i]
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        case 0x08: out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(UInt8(ascii: "f"))
        default:
          out.append(UInt8(ascii: "u"))
          out.append(UInt8(ascii: "0"))
          out.append(UInt8(ascii: "0"))
          out.append(hexDigits[Int(byte >> 4)])
          out.append(hexDigits[Int(byte & 0xF)])
        }
      }
      if runStart < bytes.count {
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
