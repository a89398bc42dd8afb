import QMPCodec

/// A value as the user wrote it after `KEY=`.
///
/// The spelling is kept until the command is built because it decides the type: an
/// unquoted `123` is a number unless the schema says the argument is a string, whereas a
/// quoted `"123"` is a string whatever the schema says.
enum ShorthandValue: Hashable {
  /// Unquoted text: typed by the schema when there is one, by its form otherwise.
  case bare(String)
  /// `"…"` or `'…'`: always a string, quotes removed.
  case quoted(String)
  /// `{…}` or `[…]` in JSON or Python style.
  case literal(JSONValue)

  /// The value without a schema: `true`/`false`/`null`, JSON numbers, else a string.
  func inferred(offset: Int) throws(LineError) -> JSONValue {
    switch self {
    case .quoted(let string): return .string(string)
    case .literal(let value): return value
    case .bare(let text):
      switch text {
      case "true": return .bool(true)
      case "false": return .bool(false)
      case "null": return .null
      default:
        let bytes = Array(text.utf8)
        if let first = bytes.first,
          first == UInt8(ascii: "-") || (first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9")),
          NumberText.scan(bytes, from: 0) == bytes.count
        {
          return try NumberText.value(bytes[...], offset: offset)
        }
        return .string(text)
      }
    }
  }
}

/// One `KEY=VALUE` token.
struct ShorthandArgument {
  /// The key as written, dots included.
  var key: String
  var keyOffset: Int
  var value: ShorthandValue
  var valueOffset: Int
}

/// A shorthand line split into its parts: `NAME KEY=VALUE… [)]`.
struct ShorthandLine {
  /// nil when the line holds no name (only blanks, or only the closing `)`).
  var name: String?
  var nameOffset: Int
  var arguments: [ShorthandArgument]
  /// The offset of a standalone `)` that ends the line (closes a transaction).
  var closeOffset: Int?
}
