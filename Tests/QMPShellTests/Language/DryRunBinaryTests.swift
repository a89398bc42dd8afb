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

  @Test func withoutDryRunItSaysConnectingIsNotBuilt() async throws {
    let run = try await ShellBinary.run(["/tmp/nowhere.sock"])
    #expect(run.status == 2)
    #expect(run.stderr == "qmp-shell: connecting to QEMU is not built yet; use --dry-run (-n)\n")
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
