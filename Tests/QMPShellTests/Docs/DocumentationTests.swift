import Foundation
import QMPShell
import Testing

/// The man page, `--help`, `--version` and the completion scripts must describe the same
/// program: an option added without documentation, or documented after it was removed, fails
/// here (and in scripts/check-docs, which CI runs on the release of the same build).
@Suite struct DocumentationTests {
  /// ArgumentParser's hidden option: not in `--help`, documented in the man page.
  static let hiddenBuiltIns: Set<String> = ["--generate-completion-script"]

  @Test func manPageRendersWithoutWarnings() async throws {
    let run = try await ExternalTool.run(
      "mandoc", ["-T", "lint", "-W", "warning", ManPage.sourceURL.path])
    #expect(run.stdout + run.stderr == "", "mandoc -T lint")
    #expect(run.status == 0)
  }

  @Test func everyOptionInHelpIsInTheManPage() async throws {
    let help = try await ShellBinary.run(["--help"])
    #expect(help.status == 0)
    let helpOptions = longOptions(in: help.stdout)
    #expect(helpOptions.contains("--help"), "the extraction found nothing: \(help.stdout)")
    let manOptions = longOptions(in: try await ManPage.render().text)
    let undocumented = helpOptions.subtracting(manOptions).sorted()
    #expect(undocumented.isEmpty, "in --help but not in man/qmp-shell.1: \(undocumented)")
  }

  @Test func everyOptionInTheManPageExists() async throws {
    let help = try await ShellBinary.run(["--help"])
    let helpOptions = longOptions(in: help.stdout).union(Self.hiddenBuiltIns)
    let manOptions = longOptions(in: try await ManPage.render().text)
    #expect(manOptions.contains("--dry-run"), "the extraction found nothing")
    let unknown = manOptions.subtracting(helpOptions).sorted()
    #expect(unknown.isEmpty, "in man/qmp-shell.1 but not an option of qmp-shell: \(unknown)")
  }

  @Test func everyOptionInTheReadmeExists() async throws {
    let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
      .appendingPathComponent("../../../README.md").standardized
    let text = try String(contentsOf: readme, encoding: .utf8)
    let help = try await ShellBinary.run(["--help"])
    // Options of the scripts the README describes, not of qmp-shell.
    let scriptOptions: Set<String> = ["--uninstall", "--quick"]
    let known = longOptions(in: help.stdout).union(Self.hiddenBuiltIns).union(scriptOptions)
    let mentioned = longOptions(in: text)
    #expect(mentioned.contains("--wait-event"), "the extraction found nothing")
    let unknown = mentioned.subtracting(known).sorted()
    #expect(unknown.isEmpty, "in README.md but not an option of qmp-shell: \(unknown)")
  }

  @Test func manPageListsExactlyTheExitStatuses() async throws {
    let page = try await ManPage.render()
    var documented: Set<Int32> = []
    for line in page.section("EXIT STATUS") {
      let words = line.split(separator: " ", maxSplits: 1)
      if let first = words.first, let code = Int32(first) { documented.insert(code) }
    }
    let actual = Set(ExitStatus.allCases.map(\.rawValue))
    #expect(documented == actual)
  }

  @Test func helpListsEveryExitStatus() async throws {
    let help = try await ShellBinary.run(["--help"])
    for status in ExitStatus.allCases {
      #expect(help.stdout.contains("\(status.rawValue) "), "exit status \(status.rawValue)")
    }
  }

  @Test func manPageListsExactlyTheMetaCommands() async throws {
    let page = try await ManPage.render()
    var documented: Set<String> = []
    for line in page.section("META-COMMANDS") {
      for word in line.split(whereSeparator: { $0 == " " || $0 == "," })
      where word.hasPrefix(".") && word.count > 1 && word.dropFirst().allSatisfy(\.isLetter) {
        documented.insert(String(word))
      }
    }
    var actual: Set<String> = []
    for entry in MetaCommand.summary {
      for word in entry.usage.split(whereSeparator: { $0 == " " || $0 == "," })
      where word.hasPrefix(".") {
        actual.insert(String(word))
      }
    }
    #expect(!actual.isEmpty)
    #expect(documented == actual)
  }

  @Test func versionIsPrinted() async throws {
    let run = try await ShellBinary.run(["--version"])
    #expect(run.status == 0)
    #expect(run.stdout.wholeMatch(of: /[0-9]+\.[0-9]+\.[0-9]+\n/) != nil, "\(run.stdout)")
  }

  @Test(arguments: ["bash", "zsh", "fish"])
  func completionScriptOffersEveryOption(shell: String) async throws {
    let help = try await ShellBinary.run(["--help"])
    let script = try await ShellBinary.run(["--generate-completion-script", shell])
    #expect(script.status == 0)
    #expect(script.stdout.contains("qmp-shell"))
    for option in longOptions(in: help.stdout) {
      let name = option.dropFirst(2)
      // fish writes `-l name`; bash and zsh write `--name`.
      let offered =
        shell == "fish"
        ? script.stdout.contains("-l \(name)") || script.stdout.contains("-l '\(name)'")
        : longOptions(in: script.stdout).contains(option)
      #expect(offered, "\(shell) completion lacks \(option)")
    }
  }

  @Test func unknownCompletionShellIsAUsageError() async throws {
    let run = try await ShellBinary.run(["--generate-completion-script", "tcsh"])
    #expect(run.status != 0)
    #expect(run.stdout.isEmpty)
  }
}
