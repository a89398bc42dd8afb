import QMPCodec
import Testing

/// Replays CodecFuzzer's seeds and committed corpus through the fuzzer's own properties
/// (``CodecFuzzProperties``), so every input the fuzzer once found interesting stays a
/// regression test in a normal `swift test`, without the fuzzer runtime.
@Suite struct CodecFuzzCorpusTests {
  let inputs: FuzzCorpus

  init() throws {
    inputs = try FuzzCorpus(target: "CodecFuzzer")
  }

  /// Guards the tests below against passing vacuously: a wrong path or an emptied corpus
  /// would leave them nothing to check.
  @Test func corpusIsFoundAndNotEmpty() {
    #expect(inputs.seeds.count >= 6)
    #expect(inputs.corpus.count >= 50)
  }

  @Test func parsedValuesRoundTripAndErrorsHaveOffsets() {
    for input in inputs.all {
      let failure = CodecFuzzProperties.roundTrip(input.bytes)
      #expect(failure == nil, "\(input)")
    }
  }

  @Test func streamDecodingIgnoresChunkBoundaries() {
    for input in inputs.all {
      let failure = CodecFuzzProperties.streamChunking(input.bytes)
      #expect(failure == nil, "\(input)")
    }
  }

  @Test func eventShortcutAgreesWithTheParser() {
    for input in inputs.all {
      let failure = CodecFuzzProperties.eventShortcut(input.bytes)
      #expect(failure == nil, "\(input)")
    }
  }

  /// The seeds reach the shortcut, so the test above compares something.
  @Test func seedsHoldShortcutEvents() {
    let events = inputs.seeds.flatMap { seed in
      var decoder = JSONStreamDecoder()
      decoder.append(seed.bytes)
      var found: [QMPEvent] = []
      while let item = decoder.nextQMP() {
        if case .event(let event) = item { found.append(event) }
      }
      return found
    }
    #expect(events.count >= 2)
  }
}

/// Inputs the codec fuzzers found that broke a property, exactly as found.
@Suite struct CodecFuzzFindingTests {
  /// CodecFuzzer: an event longer than the decoder's message limit, arriving in one piece,
  /// came back from `nextQMP()` as an event, while `next()` (and `nextQMP()` itself, when the
  /// same bytes arrived in pieces) reported it as too large, which ends a client's session.
  @Test func anOversizeEventIsTooLargeOnTheShortcutToo() {
    let event = Array(
      #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "DEVICE_DELETED", "data": {"device": "net0"}}"#
        .utf8)
    let limit = 64
    #expect(event.count > limit)
    for pieces in [[event[...]], event.indices.map { event[$0...$0] }] {
      var decoder = JSONStreamDecoder(maximumMessageSize: limit)
      var items: [QMPStreamItem] = []
      for piece in pieces {
        decoder.append(piece)
        while let item = decoder.nextQMP() { items.append(item) }
      }
      #expect(
        items == [.item(.error(JSONStreamError(.tooLarge(limit: limit), streamOffset: 0)))],
        "\(pieces.count) pieces")
    }
  }
}
