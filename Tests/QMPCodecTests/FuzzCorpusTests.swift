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
