/// Finds where a JSON value that spans several lines ends, without parsing it.
///
/// Raw JSON commands may be typed or pasted over several lines; the reader feeds each line
/// here and parses once the brackets balance. Strings are tracked so that brackets inside
/// them do not count. The state carries over from one line to the next.
struct JSONCompletionScanner: Sendable, Hashable {
  private var depth = 0
  private var inString = false
  private var escaped = false

  /// Scans `bytes[start...]`; returns the offset just past the value's closing bracket, or
  /// nil if the value goes on.
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
      case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth -= 1
        if depth <= 0 { return index }
      default: break
      }
    }
    return nil
  }
}
