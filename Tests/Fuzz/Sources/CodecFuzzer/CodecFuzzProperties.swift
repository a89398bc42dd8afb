import QMPCodec

/// What must hold for any input to the codec. The fuzzer (`CodecFuzzer`) crashes on a broken
/// property; `QMPCodecTests` replays the committed corpus through the same checks (this file
/// is linked into that test target, so the two can never drift apart).
///
/// Each check returns `nil`, or a one-line description of what broke.
enum CodecFuzzProperties {
  /// The largest stream message the chunking check buffers: small, so that the
  /// oversize path is reached by short inputs too.
  static let streamMessageLimit = 200

  /// Every property, in order; the first failure.
  static func check(_ bytes: [UInt8]) -> String? {
    roundTrip(bytes) ?? streamChunking(bytes) ?? eventShortcut(bytes)
  }

  /// A parsed value serialises (compact and pretty) to text that parses back to the same
  /// value; a rejected input gets a `JSONParseError` whose offset lies inside the input (or
  /// at its end); the QMP message model takes any parsed value without crashing.
  static func roundTrip(_ bytes: [UInt8]) -> String? {
    let value: JSONValue
    do {
      value = try JSONValue(parsing: bytes, maximumDepth: 64)
    } catch let error as JSONParseError {
      guard error.offset >= 0, error.offset <= bytes.count else {
        return "parse error outside the \(bytes.count)-byte input: \(error)"
      }
      return nil
    } catch {
      return "the parser threw something other than a JSONParseError: \(error)"
    }
    if let failure = messageModel(value) { return failure }
    _ = value.serialized(.pretty, colors: .default)
    for style in [JSONStyle.compact, .pretty] {
      let text = value.serialized(style)
      guard let again = try? JSONValue(parsing: text, maximumDepth: 64) else {
        return "serialised text does not parse: \(text)"
      }
      guard again == value else {
        return "round trip changed the value: \(value) -> \(text) -> \(again)"
      }
    }
    return nil
  }

  /// The QMP types reject what they cannot represent with an error, never a crash; a
  /// command and a message survive a trip through their JSON form.
  static func messageModel(_ value: JSONValue) -> String? {
    if let message = try? QMPMessage(json: value),
      (try? QMPMessage(json: message.json)) != message
    {
      return "message does not round-trip: \(value)"
    }
    if let command = try? QMPCommand(json: value),
      (try? QMPCommand(json: command.json)) != command
    {
      return "command does not round-trip: \(value)"
    }
    return nil
  }

  /// The stream decoder gives the same items whether the input arrives whole or in chunks
  /// (sizes 1 to 17, taken from the input's length), so framing state carried between
  /// chunks is right. Stream errors point at their message's first byte, in stream order,
  /// and a malformed message's parse offset lies inside that message. Every value decoded is
  /// decoded again, alone, from its own compact and pretty serialisation.
  static func streamChunking(_ bytes: [UInt8]) -> String? {
    var whole = JSONStreamDecoder(maximumMessageSize: streamMessageLimit, maximumDepth: 32)
    whole.append(bytes)
    var expected: [JSONStreamItem] = []
    while let item = whole.next() { expected.append(item) }
    while let item = whole.finish() { expected.append(item) }

    var chunked = JSONStreamDecoder(maximumMessageSize: streamMessageLimit, maximumDepth: 32)
    var items: [JSONStreamItem] = []
    var offset = 0
    var seed = UInt32(truncatingIfNeeded: bytes.count) &* 2_654_435_761
    while offset < bytes.count {
      seed = seed &* 1_103_515_245 &+ 12345
      let size = min(bytes.count - offset, Int(seed >> 16) % 17 + 1)
      chunked.append(bytes[offset..<(offset + size)])
      offset += size
      while let item = chunked.next() { items.append(item) }
    }
    while let item = chunked.finish() { items.append(item) }

    guard items == expected else {
      return "chunked decoding differs: \(items) vs \(expected)"
    }
    return streamErrorOffsets(items, streamLength: bytes.count) ?? reframing(items)
  }

  static func streamErrorOffsets(_ items: [JSONStreamItem], streamLength: Int) -> String? {
    var previous = 0
    for case .error(let error) in items {
      guard error.streamOffset >= previous, error.streamOffset < streamLength else {
        return "stream error at byte \(error.streamOffset) (previous \(previous)): \(error)"
      }
      if case .malformed(let parse) = error.reason,
        parse.offset < 0 || parse.offset > streamLength - error.streamOffset
      {
        return "parse offset outside its message: \(error)"
      }
      previous = error.streamOffset
    }
    return nil
  }

  /// What the codec writes, its own stream decoder reads back as one message.
  static func reframing(_ items: [JSONStreamItem]) -> String? {
    for case .value(let value) in items {
      for style in [JSONStyle.compact, .pretty] {
        var decoder = JSONStreamDecoder(maximumDepth: 32)
        decoder.append(Array(value.serialized(style).utf8))
        var again: [JSONStreamItem] = []
        while let item = decoder.finish() { again.append(item) }
        guard again == [.value(value)] else {
          return "re-framing \(value) (\(style)) gives \(again)"
        }
      }
    }
    return nil
  }

  /// The event shortcut (`nextQMP()`, which the client's wire decoder uses) reads the same
  /// stream as the parser (`next()`): the same items, an event wherever the parser found a
  /// value, and that event's name, timestamp and tree are what `QMPEvent(json:)` makes of the
  /// parsed value. Its compact text, which the shell prints as is, is byte for byte what the
  /// serializer writes for the parsed value.
  static func eventShortcut(_ bytes: [UInt8]) -> String? {
    var parsing = JSONStreamDecoder(maximumMessageSize: streamMessageLimit, maximumDepth: 32)
    var shortcut = JSONStreamDecoder(maximumMessageSize: streamMessageLimit, maximumDepth: 32)
    parsing.append(bytes)
    shortcut.append(bytes)
    var expected: [JSONStreamItem] = []
    while let item = parsing.next() { expected.append(item) }
    var items: [QMPStreamItem] = []
    while let item = shortcut.nextQMP() { items.append(item) }
    guard items.count == expected.count else {
      return
        "nextQMP() gives \(items.count) items, next() \(expected.count): \(items) vs \(expected)"
    }
    for (item, parsed) in zip(items, expected) {
      switch item {
      case .item(let item):
        guard item == parsed else { return "nextQMP() gives \(item) where next() gives \(parsed)" }
      case .event(let event):
        guard case .value(let value) = parsed else {
          return "nextQMP() gives event \(event.name) where next() gives \(parsed)"
        }
        if let failure = sameEvent(event, as: value) { return failure }
      }
    }
    return nil
  }

  static func sameEvent(_ event: QMPEvent, as value: JSONValue) -> String? {
    guard let reference = try? QMPEvent(json: value) else {
      return "the shortcut made event \(event.name) of \(value), which is no event"
    }
    guard event.name == reference.name, event.timestamp == reference.timestamp,
      event.data == reference.data, event.json == value
    else {
      return "shortcut event \(event.json) differs from the parsed \(value)"
    }
    let serialized = Array(value.serialized(.compact).utf8)
    if let compact = event.compactJSON, compact != serialized {
      return "shortcut text \(String(decoding: compact, as: UTF8.self)) is not the serializer's "
        + "\(String(decoding: serialized, as: UTF8.self))"
    }
    return nil
  }
}
