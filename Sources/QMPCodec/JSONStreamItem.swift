/// One thing a ``JSONStreamDecoder`` found in the byte stream.
public enum JSONStreamItem: Sendable, Hashable {
  /// A complete top-level JSON value.
  case value(JSONValue)
  /// A 0xFF byte: qemu-ga's sync sentinel. Whatever partial message came before it was
  /// dropped (and reported as an ``error(_:)`` first).
  case resetMarker
  /// A malformed or oversize message. The decoder has already resynchronised; keep reading.
  case error(JSONStreamError)
}

/// A message the stream decoder could not deliver.
public struct JSONStreamError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Reason: Sendable, Hashable {
    /// The message is not valid JSON; the parse error's offset is relative to the message.
    case malformed(JSONParseError)
    /// The message grew past the decoder's maximum size; its bytes were skipped.
    case tooLarge(limit: Int)
  }

  public var reason: Reason
  /// Offset in the whole stream of the message's first byte.
  public var streamOffset: Int

  public init(_ reason: Reason, streamOffset: Int) {
    self.reason = reason
    self.streamOffset = streamOffset
  }

  public var description: String {
    switch reason {
    case .malformed(let error):
      return "malformed JSON message at stream byte \(streamOffset): \(error.reasonDescription)"
        + " at byte \(error.offset) of the message"
    case .tooLarge(let limit):
      return "JSON message at stream byte \(streamOffset) exceeds the maximum message size"
        + " of \(limit) bytes"
    }
  }
}
