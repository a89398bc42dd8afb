// qmp-bench: performance measurements, printed as markdown tables.
//
//   qmp-bench [--quick] [--ours-only] [SECTION...]      sections: codec (default: all)
//
// Each section is a function below; a new section is one entry in `sections`. `--quick` runs
// small inputs once, as a smoke test that the benchmarks still work (numbers meaningless);
// `--ours-only` skips the comparisons, for profiling.

import Foundation

let sections: [(name: String, run: (BenchmarkOptions) throws -> Void)] = [
  ("codec", CodecBenchmark.run)
]

var options = BenchmarkOptions()
var chosen: [String] = []
for argument in CommandLine.arguments.dropFirst() {
  switch argument {
  case "--quick": options.quick = true
  case "--ours-only": options.oursOnly = true
  case "-h", "--help":
    print(
      "usage: qmp-bench [--quick] [--ours-only] [\(sections.map(\.name).joined(separator: "|"))...]"
    )
    exit(0)
  default:
    guard sections.contains(where: { $0.name == argument }) else {
      printError("qmp-bench: unknown section \(argument)")
      exit(2)
    }
    chosen.append(argument)
  }
}
if chosen.isEmpty { chosen = sections.map(\.name) }

for section in sections where chosen.contains(section.name) {
  do {
    try section.run(options)
  } catch {
    printError("qmp-bench: \(section.name) failed: \(error)")
    exit(1)
  }
}
