import Foundation
import Testing

/// The language table again, through the built `qmp-shell --dry-run`.
@Suite struct DryRunBinaryTests {
  @Test(arguments: LanguageTable.all)
  func binary(_ row: LanguageCase) async throws {
    let run = try await ShellBinary.run(
      row.hmp ? ["--dry-run", "--hmp"] : ["-n"], input: row.input + "\n")
    #expect(run.stdout == row.output.map { $0 + "\n" }.joined())
    if let error = row.error {
      #expect(run.status == 2)
      #expect(run.stderr == "qmp-shell: \(error)\n")
    } else {
      #expect(run.status == 0)
      #expect(run.stderr == "")
    }
  }

  @Test func commandOptionsAreLinesInOrder() async throws {
    let run = try await ShellBinary.run([
      "-n", "-c", "stop", "-c", "transaction(", "-c", "abort", "-c", ")",
    ])
    #expect(run.status == 0)
    #expect(
      run.stdout == """
        {"execute":"stop"}
        {"execute":"transaction","arguments":{"actions":[{"type":"abort","data":{}}]}}

        """)
  }

  @Test func commandOptionsDoNotReadStandardInput() async throws {
    let run = try await ShellBinary.run(["-n", "-c", "cont"], input: "stop\n")
    #expect(run.stdout == "{\"execute\":\"cont\"}\n")
  }

  @Test func prettyPrintsIndented() async throws {
    let run = try await ShellBinary.run(["-n", "-p", "-c", "c a.b=1"])
    #expect(run.status == 0)
    #expect(
      run.stdout == """
        {
          "execute": "c",
          "arguments": {
            "a": {
              "b": 1
            }
          }
        }

        """)
  }

  @Test func errorStopsAtTheFailingLine() async throws {
    let run = try await ShellBinary.run(["-n"], input: "stop\nc a=1 a=2\ncont\n")
    #expect(run.status == 2)
    #expect(run.stdout == "{\"execute\":\"stop\"}\n")
    #expect(run.stderr == "qmp-shell: line 2, column 7: a is set twice\n")
  }

  @Test func helpMetaCommandPrintsTheSyntax() async throws {
    let run = try await ShellBinary.run(["-n", "-c", ".help"])
    #expect(run.status == 0)
    #expect(run.stdout.contains("NAME [KEY=VALUE]..."))
    #expect(run.stdout.contains(".quit"))
  }

  @Test func dryRunNeverConnects() async throws {
    // The address does not exist: a dry run must not even try it.
    let run = try await ShellBinary.run(["/tmp/nowhere.sock", "-n", "-c", "query-status"])
    #expect(run.status == 0)
    #expect(run.stdout == #"{"execute":"query-status"}"# + "\n")
  }

  @Test func unknownOptionIsAUsageErrorWithStatus2() async throws {
    let run = try await ShellBinary.run(["--no-such-option"])
    #expect(run.status == 2)
    #expect(run.stderr.contains("--no-such-option"))
  }

  @Test func helpDocumentsSyntaxAndExitStatuses() async throws {
    let run = try await ShellBinary.run(["--help"])
    #expect(run.status == 0)
    for text in ["--dry-run", "--hmp", "--pretty", "transaction(", "130 interrupted", "2 usage"] {
      #expect(run.stdout.contains(text), "\(text)")
    }
  }
}

/// `--dry-run --schema FILE`: typing by a saved schema, through the binary.
@Suite struct DryRunSchemaBinaryTests {
  private func withSchemaFile<T>(_ text: String, _ body: (String) async throws -> T) async throws
    -> T
  {
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("qmp-schema-\(UUID().uuidString).json").path
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
  }

  @Test func savedSchemaTypesValues() async throws {
    // The file holds the whole reply, as `socat` would save it.
    let run = try await withSchemaFile(#"{"return": "# + SchemaFixture.json + "}") { path in
      try await ShellBinary.run(
        ["-n", "--schema", path], input: "device_add driver=e1000 id=123\nset_link name=1 up=on\n")
    }
    #expect(run.status == 0)
    #expect(
      run.stdout == """
        {"execute":"device_add","arguments":{"driver":"e1000","id":"123"}}
        {"execute":"set_link","arguments":{"name":"1","up":true}}

        """)
  }

  @Test func savedSchemaReportsUnknownNames() async throws {
    let run = try await withSchemaFile(SchemaFixture.json) { path in
      try await ShellBinary.run(["-n", "--schema", path, "-c", "set_link nmae=x up=on"])
    }
    #expect(run.status == 2)
    #expect(
      run.stderr
        == "qmp-shell: line 1, column 10: set_link has no argument nmae; did you mean name?\n")
  }

  @Test func helpShowsACommandsArguments() async throws {
    let run = try await withSchemaFile(SchemaFixture.json) { path in
      try await ShellBinary.run(["-n", "--schema", path, "-c", ".help set_link"])
    }
    #expect(run.stdout == "set_link\n  name: str\n  up: bool\n")
  }

  @Test func missingSchemaFileIsAUsageError() async throws {
    let path = "/tmp/qmp-no-such-schema-\(UUID().uuidString).json"
    let run = try await ShellBinary.run(["-n", "--schema", path, "-c", "stop"])
    #expect(run.status == 2)
    #expect(run.stderr == "qmp-shell: cannot read \(path): No such file or directory\n")
  }

  @Test func invalidSchemaFileIsAUsageError() async throws {
    let run = try await withSchemaFile(#"{"return": {}}"#) { path in
      try await ShellBinary.run(["-n", "--schema", path, "-c", "stop"])
    }
    #expect(run.status == 2)
    #expect(
      run.stderr.hasSuffix(
        ": invalid QMP schema: expected an array of SchemaInfo objects, got an object\n"))
    #expect(run.stdout == "")
  }
}
