import Testing

/// Replays WireFuzzer's seeds and committed corpus through the fuzzer's own properties
/// (``WireFuzzProperties``): the client's decoder, in NIO's `ByteToMessageHandler`, through
/// `decodeAll` (as the session drives it) and in the single-step processor, gives the same
/// messages and the same end whatever the read sizes.
@Suite struct WireFuzzCorpusTests {
  let inputs: FuzzCorpus

  init() throws {
    inputs = try FuzzCorpus(target: "WireFuzzer")
  }

  /// Guards the test below against passing vacuously.
  @Test func corpusIsFoundAndNotEmpty() {
    #expect(inputs.seeds.count >= 5)
    #expect(inputs.corpus.count >= 50)
  }

  @Test func decodingDoesNotDependOnReadSizes() {
    for input in inputs.all {
      let failure = WireFuzzProperties.check(input.bytes)
      #expect(failure == nil, "\(input)")
    }
  }

  /// The seeds end sessions in every way a stream can (cleanly, an oversize message, a
  /// message cut off by end of file), so the comparison above covers the errors too.
  @Test func seedsEndSessionsInEveryWay() {
    let endings = inputs.seeds.map { seed in
      let stream = seed.bytes.dropFirst(1 + Int(seed.bytes.first.map { $0 % 8 } ?? 0))
      return WireFuzzProperties.throughPipeline(Array(stream), chunkSizes: [7]).failure
    }
    #expect(endings.contains { $0 == nil })
    #expect(endings.contains { $0?.contains("exceeds the maximum message size") == true })
    #expect(endings.contains { $0?.contains("closed in the middle of a message") == true })
  }
}
