/// Finds where a JSON value that spans several lines ends, without parsing it.
///
/// Raw JSON commands may be typed or pasted over several lines; the reader feeds each line
/// here and parses once the brackets balance. Strings are tracked so that brackets inside
/// them do not count. The state carries over from one line to the next.
struct JSONCompletionScanner: Sendable, Hashable {
  /// The open brackets, innermost last.
  private var open: [UInt8] = []
  private var inString = false
  private var escaped = false

  /// Scans `bytes[start...]`; returns the offset just past the value's closing bracket, or
  /// nil if the value goes on. A mismatched bracket also ends it, so the parser reports it.
  mutating func scan(_ bytes: [UInt8], from start: Int) -> Int? {
    var index = start
    while index < bytes.count {
      let byte = bytes[index]
      index += 1
      if inString {
        if escaped {
          escaped = false
        } else if byte == UInt8(ascii: "\\") {
          escaped = true
        } else if byte == UInt8(ascii: "\"") {
          inString = false
        }
        continue
      }
      switch byte {
      case UInt8(ascii: "\""): inString = true
      case UInt8(ascii: "{"), UInt8(ascii: "["): open.append(byte)
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        // A bracket that does not match ends the scan too: the parser then reports it.
        let opener = open.popLast()
        let matches =
          (opener == UInt8(ascii: "{") && byte == UInt8(ascii: "}"))
          || (opener == UInt8(ascii: "[") && byte == UInt8(ascii: "]"))
        if open.isEmpty || !matches { return index }
      default: break
      }
    }
    return nil
  }
}
