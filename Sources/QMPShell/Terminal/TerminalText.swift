/// Makes text from a peer safe to write to a terminal.
///
/// QMP replies and events carry strings the shell did not choose (device ids, HMP output,
/// error descriptions). Written raw, an ESC or a C1 control in them could move the cursor,
/// rewrite the screen, set the window title or worse. `sanitized` keeps the text readable
/// and shows every such character as a visible escape instead of executing it.
public enum TerminalText {
  /// Returns `text` with terminal controls made visible.
  ///
  /// - Kept: `\n`, `\t`, and every printable character.
  /// - `\r\n` becomes `\n` (HMP output uses it); any other `\r` is shown as `\x0d`.
  /// - Other C0 controls, ESC and DEL are shown as `\xHH` (ESC is `\x1b`).
  /// - C1 controls (U+0080–U+009F) and the bidirectional overrides and isolates
  ///   (U+202A–U+202E, U+2066–U+2069), which can reorder what the reader sees, are shown as
  ///   `\uHHHH`.
  ///
  /// Text with none of these is returned as is, without copying.
  public static func sanitized(_ text: String) -> String {
    guard needsSanitizing(text) else { return text }
    var result = ""
    result.reserveCapacity(text.utf8.count + 16)
    var scalars = text.unicodeScalars.makeIterator()
    var pending = scalars.next()
    while let scalar = pending {
      pending = scalars.next()
      let value = scalar.value
      switch value {
      case 0x0A, 0x09:
        result.unicodeScalars.append(scalar)
      case 0x0D where pending == "\n":
        break  // the following "\n" is appended on the next turn
      case 0x00...0x1F, 0x7F:
        appendEscape(&result, prefix: "\\x", value: value, digits: 2)
      case 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069:
        appendEscape(&result, prefix: "\\u", value: value, digits: 4)
      default:
        result.unicodeScalars.append(scalar)
      }
    }
    return result
  }

  /// A byte scan that finds whether any character needs escaping; most text has none.
  static func needsSanitizing(_ text: String) -> Bool {
    var utf8 = text.utf8.makeIterator()
    var previous: UInt8 = 0
    var beforePrevious: UInt8 = 0
    while let byte = utf8.next() {
      if byte < 0x20 {
        if byte != 0x0A && byte != 0x09 { return true }
      } else if byte == 0x7F {
        return true
      } else if previous == 0xC2 && byte >= 0x80 && byte <= 0x9F {
        return true  // C1 control, encoded C2 80...C2 9F
      } else if beforePrevious == 0xE2 && previous == 0x80 && (0xAA...0xAE).contains(byte) {
        return true  // U+202A...U+202E
      } else if beforePrevious == 0xE2 && previous == 0x81 && (0xA6...0xA9).contains(byte) {
        return true  // U+2066...U+2069
      }
      beforePrevious = previous
      previous = byte
    }
    return false
  }

  private static func appendEscape(
    _ result: inout String, prefix: String, value: UInt32, digits: Int
  ) {
    let hex = String(value, radix: 16)
    result += prefix
    if hex.count < digits { result += String(repeating: "0", count: digits - hex.count) }
    result += hex
  }
}
