import Foundation

/// Command-line options shared by every benchmark section.
struct BenchmarkOptions {
  /// Small inputs, one repetition: proves the benchmark runs, not how fast.
  var quick = false
  /// Skip the comparisons (Foundation), so a profiler sees only our code.
  var oursOnly = false

  var repetitions: Int { quick ? 1 : 5 }
}

func printError(_ message: String) {
  FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Runs `body` `repetitions` times and returns the fastest run in seconds: the least
/// disturbed by other processes on a shared machine. Zero repetitions skip it (NaN).
func fastest(_ repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
  var best = Double.nan
  for _ in 0..<repetitions {
    let start = ContinuousClock.now
    try body()
    let elapsed = ContinuousClock.now - start
    let seconds =
      Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    best = best.isNaN ? seconds : min(best, seconds)
  }
  return best
}

/// Keeps a computed result alive so the optimiser cannot drop the work that produced it.
@inline(never)
func consume<T>(_ value: T) {
  withExtendedLifetime(value) {}
}

/// A markdown table, printed at the end of a section.
struct MarkdownTable {
  let header: [String]
  var rows: [[String]] = []

  func render() -> String {
    var lines = ["| " + header.joined(separator: " | ") + " |"]
    lines.append("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
    for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
    return lines.joined(separator: "\n")
  }
}

func megabytes(_ bytes: Int) -> String {
  String(format: "%.1f MB", Double(bytes) / 1e6)
}

/// MB/s, or "-" for a measurement that was skipped.
func rate(_ bytes: Int, _ seconds: Double) -> String {
  seconds.isNaN ? "-" : String(format: "%.0f", Double(bytes) / 1e6 / seconds)
}

func ratio(_ ours: Double, _ theirs: Double) -> String {
  theirs.isNaN ? "-" : String(format: "%.1fx", theirs / ours)
}
