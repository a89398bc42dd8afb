import Testing

/// Replays ShorthandFuzzer's seeds and committed corpus through the fuzzer's own properties
/// (``ShorthandFuzzProperties``): the command reader and completion never crash, accepted
/// commands survive a trip through JSON, and errors point at a real line and column with
/// one line of text.
@Suite struct ShorthandFuzzCorpusTests {
  let inputs: FuzzCorpus

  init() throws {
    inputs = try FuzzCorpus(target: "ShorthandFuzzer")
  }

  /// Guards the test below against passing vacuously.
  @Test func corpusIsFoundAndNotEmpty() {
    #expect(inputs.seeds.count >= 4)
    #expect(inputs.corpus.count >= 50)
  }

  @Test func everyInputKeepsTheLanguageProperties() {
    for input in inputs.all {
      let failure = ShorthandFuzzProperties.check(input.bytes)
      #expect(failure == nil, "\(input)")
    }
  }

  /// The schema the properties type values with must load, or the schema half of the
  /// corpus would silently be read untyped.
  @Test func fuzzSchemaLoads() {
    #expect(ShorthandFuzzProperties.schema != nil)
  }
}
