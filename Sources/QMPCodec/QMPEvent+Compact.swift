#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

extension QMPEvent {
  /// The event whose wire text starts `bytes`, read by ``JSONCompactor`` instead of the
  /// parser, and the length of that text; nil when the compactor declines, when the text is
  /// not an event, or when it would not decode as one (`QMPEvent(json:)` then reports why).
  static func compact(_ bytes: UnsafeBufferPointer<UInt8>, workspace: inout JSONCompactor.Workspace)
    -> (event: QMPEvent, length: Int)?
  {
    let found = JSONCompactor.compactObject(bytes, workspace: &workspace) {
      text, top -> QMPEvent? in
      guard let name = top.event, text[name.lowerBound] == UInt8(ascii: "\"") else { return nil }
      var timestamp: QMPTimestamp?
      if let stamp = top.stamp {
        timestamp = QMPTimestamp(seconds: stamp.seconds, microseconds: stamp.microseconds)
      } else if let stamp = top.timestamp {
        guard let read = Self.timestamp(text, in: stamp) else { return nil }
        timestamp = read
      }
      let nameText = String(
        decoding: UnsafeBufferPointer(
          rebasing: text[(name.lowerBound + 1)..<(name.upperBound - 1)]),
        as: UTF8.self)
      return QMPEvent(name: nameText, timestamp: timestamp, compact: text)
    }
    guard let found else { return nil }
    return (found.result, found.length)
  }

  /// Reads a compact timestamp: QEMU's `{"seconds":S,"microseconds":U}` directly; any other
  /// shape as `QMPEvent(json:)` would (nil where that throws).
  private static func timestamp(_ text: UnsafeBufferPointer<UInt8>, in range: Range<Int>)
    -> QMPTimestamp?
  {
    var reader = CompactReader(text: text, index: range.lowerBound, end: range.upperBound)
    if reader.skip(#"{"seconds":"#), let seconds = reader.integer(),
      reader.skip(#","microseconds":"#), let microseconds = reader.integer(), reader.skip("}"),
      reader.index == range.upperBound
    {
      return QMPTimestamp(seconds: seconds, microseconds: microseconds)
    }
    guard let value = try? JSONValue(parsing: UnsafeBufferPointer(rebasing: text[range])),
      let event = try? QMPEvent(json: ["event": "", "timestamp": value])
    else { return nil }
    return event.timestamp
  }
}

/// A cursor over compact JSON text that the compactor already checked.
private struct CompactReader {
  let text: UnsafeBufferPointer<UInt8>
  var index: Int
  let end: Int

  mutating func skip(_ literal: StaticString) -> Bool {
    let count = literal.utf8CodeUnitCount
    guard end - index >= count,
      memcmp(text.baseAddress! + index, literal.utf8Start, count) == 0
    else { return false }
    index += count
    return true
  }

  /// An integer of at most 18 digits (all the compactor lets through), optionally negative.
  mutating func integer() -> Int64? {
    var negative = false
    if index < end && text[index] == UInt8(ascii: "-") {
      negative = true
      index += 1
    }
    var value: Int64 = 0
    var digits = 0
    while index < end, text[index] >= UInt8(ascii: "0"), text[index] <= UInt8(ascii: "9") {
      value = value * 10 + Int64(text[index] - UInt8(ascii: "0"))
      index += 1
      digits += 1
    }
    guard digits > 0 && digits <= 18 else { return nil }
    return negative ? -value : value
  }
}
