/// Makes terminal control sequences in peer text visible instead of executed.
///
/// HMP output, error descriptions and guest strings come from QEMU or from the guest; a
/// hostile guest could otherwise move the cursor, retitle the window or worse. Newline and tab
/// pass; every other C0 control, DEL and the C1 controls (U+0080–U+009F) print as `\xNN`.
public enum TextEscaper {
  public static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x0A, 0x09: return false
    case 0x00..<0x20, 0x7F, 0x80...0x9F: return true
    default: return false
    }
  }

  static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

  public static func appendEscaped(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
    let value = UInt8(truncatingIfNeeded: scalar.value)
    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "x")])
    out.append(hexDigits[Int(value >> 4)])
    out.append(hexDigits[Int(value & 0xF)])
  }

  /// `text` with every control character escaped.
  public static func escape(_ text: String) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      if needsEscape(scalar) {
        appendEscaped(scalar, to: &out)
      } else {
        out.append(contentsOf: UTF8.encode(scalar)!)
      }
    }
    return String(decoding: out, as: UTF8.self)
  }
}
