import Foundation

/// The man page as a reader sees it: rendered by mandoc, split into its sections.
///
/// Checks compare the rendered text rather than the mdoc source so that a macro that renders
/// differently from what it looks like (`Fl \-color` is `--color`) cannot hide drift.
struct ManPage {
  /// man/qmp-shell.1 in the package this test file belongs to.
  static let sourceURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../../../man/qmp-shell.1").standardized

  /// The rendered lines, with mandoc's bold and underline overstrikes removed.
  let lines: [String]

  /// Renders the page with `mandoc -T ascii`, wide enough that no option is wrapped.
  static func render() async throws -> ManPage {
    let run = try await ExternalTool.run(
      "mandoc", ["-T", "ascii", "-O", "width=200", sourceURL.path])
    guard run.status == 0 else { throw ExternalTool.Failed(run: run) }
    return ManPage(lines: removingOverstrikes(run.stdout).components(separatedBy: "\n"))
  }

  /// The lines of section `name` (a heading such as `EXIT STATUS`), up to the next heading.
  func section(_ name: String) -> [String] {
    guard let start = lines.firstIndex(of: name) else { return [] }
    let rest = lines[(start + 1)...]
    let end = rest.firstIndex { $0.first.map { !$0.isWhitespace } ?? false } ?? rest.endIndex
    return Array(rest[..<end])
  }

  /// The whole rendered text.
  var text: String { lines.joined(separator: "\n") }

  /// mandoc's ascii output marks bold as `X\bX` and underline as `_\bX`: keep the last
  /// character of each such pair.
  static func removingOverstrikes(_ text: String) -> String {
    var result: [Character] = []
    result.reserveCapacity(text.count)
    for character in text {
      if character == "\u{8}" {
        _ = result.popLast()
      } else {
        result.append(character)
      }
    }
    return String(result)
  }
}

/// The long options (`--name`) mentioned anywhere in `text`.
func longOptions(in text: String) -> Set<String> {
  var found: Set<String> = []
  let pattern = /--[a-z][a-z0-9]*(?:-[a-z0-9]+)*/
  for match in text.matches(of: pattern) { found.insert(String(match.output)) }
  return found
}
