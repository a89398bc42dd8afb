/// Why a JSON text was rejected, and where.
///
/// The offset is a byte offset into the parsed bytes (for a stream message: into that
/// message), so a user can find the spot with `cut -b` or a hex dump, whatever the encoding.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// What was wrong.
  public enum Reason: Sendable, Hashable {
    /// The input ended inside a value (or was empty).
    case unexpectedEnd
    /// A byte that cannot start or continue what was being read; `expected` says what could.
    case unexpectedByte(UInt8, expected: String)
    /// A byte sequence that is not well-formed UTF-8 (RFC 3629).
    case invalidUTF8
    /// A raw control character (below 0x20) inside a string; JSON requires it escaped.
    case controlCharacterInString(UInt8)
    /// A backslash followed by a byte that is not a JSON escape.
    case invalidEscape(UInt8)
    /// `\u` not followed by four hexadecimal digits.
    case invalidUnicodeEscape
    /// A `\u` escape of a UTF-16 surrogate without its partner.
    case loneSurrogate(UInt16)
    /// A number whose magnitude is too large even for a `Double` (e.g. `1e400`).
    case numberOutOfRange
    /// An object names the same key twice; QEMU rejects this too. Keys are compared as Swift
    /// strings (canonically equivalent spellings of a key are the same key), as the object
    /// type stores them.
    case duplicateKey(String)
    /// Arrays and objects nested deeper than the limit.
    case tooDeep(limit: Int)
    /// Something other than whitespace follows the value.
    case trailingData
  }

  public var reason: Reason
  /// Byte offset of the offending byte (or of the end, for ``Reason/unexpectedEnd``).
  public var offset: Int

  public init(_ reason: Reason, at offset: Int) {
    self.reason = reason
    self.offset = offset
  }

  public var description: String {
    "\(reasonDescription) at byte \(offset)"
  }

  /// The reason alone, without the offset.
  public var reasonDescription: String {
    switch reason {
    case .unexpectedEnd: return "unexpected end of input"
    case .unexpectedByte(let byte, let expected):
      return "unexpected \(Self.describe(byte)), expected \(expected)"
    case .invalidUTF8: return "invalid UTF-8"
    case .controlCharacterInString(let byte):
      return "unescaped control character \(Self.describe(byte)) in string"
    case .invalidEscape(let byte): return "invalid escape \\\(Self.printable(byte))"
    case .invalidUnicodeEscape: return "\\u not followed by four hex digits"
    case .loneSurrogate(let unit):
      return "lone surrogate \\u\(String(unit, radix: 16, uppercase: true))"
    case .numberOutOfRange: return "number out of range"
    case .duplicateKey(let key): return "duplicate key \(JSONValue.string(key).serialized())"
    case .tooDeep(let limit): return "nesting deeper than \(limit)"
    case .trailingData: return "unexpected data after the value"
    }
  }

  /// `'x' (0x78)` for printable ASCII, `byte 0x0A` otherwise.
  static func describe(_ byte: UInt8) -> String {
    let hex = "0x" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
    if byte >= 0x20 && byte < 0x7F {
      return "'\(Character(Unicode.Scalar(byte)))' (\(hex))"
    }
    return "byte \(hex)"
  }

  static func printable(_ byte: UInt8) -> String {
    if byte >= 0x20 && byte < 0x7F { return String(Character(Unicode.Scalar(byte))) }
    return "<0x" + String(byte, radix: 16, uppercase: true) + ">"
  }
}
