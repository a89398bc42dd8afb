import QMPCodec

/// How HMP mode shows a `human-monitor-command` reply: as the text QEMU's monitor printed,
/// not as a JSON string full of `\r\n` escapes.
public enum HMPOutput {
  /// The printable text of a `human-monitor-command` return value: `\r\n` become `\n`, and
  /// the text ends with exactly one newline (none when QEMU printed nothing). Returns nil
  /// when the value is not a string (not an HMP reply).
  public static func text(fromReturn value: JSONValue) -> String? {
    guard case .string(let raw) = value else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(raw.utf8.count + 1)
    for byte in raw.utf8 where byte != UInt8(ascii: "\r") {
      bytes.append(byte)
    }
    while bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
    if bytes.isEmpty { return "" }
    bytes.append(UInt8(ascii: "\n"))
    return String(decoding: bytes, as: UTF8.self)
  }
}
