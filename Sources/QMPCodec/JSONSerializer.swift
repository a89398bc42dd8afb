/// How a ``JSONValue`` is written out.
public enum JSONStyle: Sendable, Hashable {
  /// One line, no blanks: `{"execute":"stop","id":"1"}`. What goes on the wire and what
  /// script mode prints, one document per line.
  case compact
  /// Indented by two spaces, one member per line, as people read it.
  case pretty
}

extension JSONValue {
  /// The value as JSON text.
  public func serialized(_ style: JSONStyle = .compact) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(64)
    write(to: &bytes, style: style)
    return String(decoding: bytes, as: UTF8.self)
  }

  /// Appends the value as UTF-8 JSON text to `bytes`.
  public func write(to bytes: inout [UInt8], style: JSONStyle = .compact) {
    var writer = JSONWriter(style: style)
    writer.write(self, into: &bytes, depth: 0)
  }
}

/// Writes JSON text into a byte buffer. Key order is the object's order; strings keep
/// non-ASCII characters as UTF-8 and escape only what JSON requires.
struct JSONWriter {
  let style: JSONStyle

  mutating func write(_ value: JSONValue, into out: inout [UInt8], depth: Int) {
    switch value {
    case .null: out.append(contentsOf: "null".utf8)
    case .bool(let b): out.append(contentsOf: b ? "true".utf8 : "false".utf8)
    case .int(let i): out.append(contentsOf: String(i).utf8)
    case .uint(let u): out.append(contentsOf: String(u).utf8)
    case .double(let d): Self.writeDouble(d, into: &out)
    case .string(let s): Self.writeString(s, into: &out)
    case .array(let elements):
      if elements.isEmpty {
        out.append(contentsOf: "[]".utf8)
        return
      }
      out.append(UInt8(ascii: "["))
      for (index, element) in elements.enumerated() {
        if index > 0 { out.append(UInt8(ascii: ",")) }
        newline(into: &out, depth: depth + 1)
        write(element, into: &out, depth: depth + 1)
      }
      newline(into: &out, depth: depth)
      out.append(UInt8(ascii: "]"))
    case .object(let object):
      if object.isEmpty {
        out.append(contentsOf: "{}".utf8)
        return
      }
      out.append(UInt8(ascii: "{"))
      var first = true
      for (key, member) in object {
        if !first { out.append(UInt8(ascii: ",")) }
        first = false
        newline(into: &out, depth: depth + 1)
        Self.writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        if style == .pretty { out.append(UInt8(ascii: " ")) }
        write(member, into: &out, depth: depth + 1)
      }
      newline(into: &out, depth: depth)
      out.append(UInt8(ascii: "}"))
    }
  }

  private func newline(into out: inout [UInt8], depth: Int) {
    guard style == .pretty else { return }
    out.append(UInt8(ascii: "\n"))
    for _ in 0..<(depth * 2) { out.append(UInt8(ascii: " ")) }
  }

  /// JSON has no infinity or NaN; they are written as `null` rather than as invalid text.
  static func writeDouble(_ d: Double, into out: inout [UInt8]) {
    guard d.isFinite else {
      out.append(contentsOf: "null".utf8)
      return
    }
    // Swift's description is the shortest text that reads back as the same Double, and
    // always has a fraction or an exponent, so it stays a double on the way back.
    out.append(contentsOf: d.description.utf8)
  }

  static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  static func writeString(_ s: String, into out: inout [UInt8]) {
    out.append(UInt8(ascii: "\""))
    for byte in s.utf8 {
      switch byte {
      case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
      case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
      case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
      case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
      case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
      case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
      case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
      case 0x00..<0x20, 0x7F:
        out.append(contentsOf: "\\u00".utf8)
        out.append(hexDigits[Int(byte >> 4)])
        out.append(hexDigits[Int(byte & 0xF)])
      default: out.append(byte)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
