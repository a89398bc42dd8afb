import QMPCodec
import Testing

@testable import QMPShell

/// Feeds `input` line by line to a reader, as the REPL and script runner do, and collects
/// the compact JSON of each command and the first error. `.quit` ends the input.
func readAll(_ input: String, mode: CommandReader.Mode = .qmp, schema: QMPSchema? = nil)
  -> (output: [String], error: String?)
{
  var reader = CommandReader(mode: mode, schema: schema)
  var output: [String] = []
  do {
    for (index, line) in input.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    {
      switch try reader.read(String(line), number: index + 1) {
      case .command(let command): output.append(command.json.serialized())
      case .meta(.quit):
        try reader.finish()
        return (output, nil)
      case .meta, .needsMore, .nothing: continue
      }
    }
    try reader.finish()
    return (output, nil)
  } catch {
    return (output, error.description)
  }
}

@Suite struct LanguageTableTests {
  @Test func tableIsLargeAndCoversErrors() {
    #expect(LanguageTable.all.count >= 150)
    #expect(LanguageTable.all.filter { $0.error != nil }.count >= 50)
  }

  @Test(arguments: LanguageTable.all)
  func library(_ row: LanguageCase) {
    let result = readAll(row.input, mode: row.hmp ? .hmp : .qmp)
    #expect(result.output == row.output)
    #expect(result.error == row.error)
  }

  /// Whatever the language accepts, the codec reads back to the same command.
  @Test(arguments: LanguageTable.all.filter { $0.error == nil })
  func outputParsesBack(_ row: LanguageCase) throws {
    var reader = CommandReader(mode: row.hmp ? .hmp : .qmp)
    for (index, line) in row.input.split(separator: "\n", omittingEmptySubsequences: false)
      .enumerated()
    {
      guard case .command(let command) = try reader.read(String(line), number: index + 1) else {
        continue
      }
      let text = command.json.serialized()
      #expect(try QMPCommand(json: JSONValue(parsing: text)) == command)
    }
  }

  @Test func dryRunMatchesTheReader() {
    for row in LanguageTable.all {
      var printed: [String] = []
      let outcome = DryRun(mode: row.hmp ? .hmp : .qmp)
        .run(
          lines: row.input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        ) {
          printed.append($0)
        }
      #expect(printed == row.output.map { $0 + "\n" }, "\(row)")
      switch outcome {
      case .success:
        #expect(row.error == nil, "\(row)")
        #expect(outcome.exitStatus == 0)
      case .failure(let error):
        #expect(error.description == row.error, "\(row)")
        #expect(outcome.exitStatus == 2)
      }
    }
  }
}
