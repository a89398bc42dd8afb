// Measures the client's own cost: command round trips against a real QEMU (sequential and
// from 8 tasks) and against the in-process fake server, and event throughput through a
// transcript with each overflow policy. Prints wall time and this process's CPU time, which
// stays meaningful on a busy machine. Build in release:
//   swift build -c release --product qmp-client-bench && .build/release/qmp-client-bench [N]
import Foundation
import Logging
import QMPClient
import QMPCodec
import QMPTestSupport

func seconds(_ duration: Duration) -> Double {
  Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

/// User plus system CPU time of this process, in seconds.
func cpuTime() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  let whole = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec
  let micros = usage.ru_utime.tv_usec + usage.ru_stime.tv_usec
  return Double(whole) + Double(micros) / 1e6
}

/// Runs `body` and prints its wall and CPU time per operation in microseconds.
func measure(_ label: String, operations: Int, _ body: () async throws -> Void) async rethrows {
  let wall = ContinuousClock.now
  let cpu = cpuTime()
  try await body()
  let perWall = seconds(ContinuousClock.now - wall) / Double(operations) * 1e6
  let perCPU = (cpuTime() - cpu) / Double(operations) * 1e6
  print(
    "| \(label) | \(operations) | \(String(format: "%.1f", perWall)) | "
      + "\(String(format: "%.1f", perCPU)) |")
}

/// Everything runs off the main actor, so no measured loop hops to it between commands.
func runBenchmarks() async throws {
  var quiet = Logger(label: "qmp-client-bench")
  quiet.logLevel = .warning
  let count = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000

  print("| operation | count | µs wall / op | µs CPU / op |")
  print("|---|---|---|---|")
  try await withQEMU(.systemEmulator()) { qemu in
    let client = QMPClient(logger: quiet)
    try await client.connect(to: Endpoint(parsing: qemu.address.description))
    for _ in 0..<1000 { try await client.execute("query-status") }
    try await measure("query-status, QEMU, sequential", operations: count) {
      for _ in 0..<count { try await client.execute("query-status") }
    }
    try await measure("query-status, QEMU, 8 tasks", operations: count) {
      try await withThrowingTaskGroup(of: Void.self) { group in
        for _ in 0..<8 {
          group.addTask { for _ in 0..<(count / 8) { try await client.execute("query-status") } }
        }
        try await group.waitForAll()
      }
    }
    try await client.disconnect()
  }

  try await withFakeQMPServer { server in
    let client = QMPClient(logger: quiet)
    try await client.connect(to: Endpoint(parsing: server.address.description))
    try await measure("query-status, fake server (both in this process)", operations: count) {
      for _ in 0..<count { try await client.execute("query-status") }
    }
    try await client.disconnect()
  }

  let events = count * 25
  let flood = FakeQMPServer.Script { command in
    command.name == "flood"
      ? [.eventFlood("TICK", data: ["n": 1], count: events), .return([:])]
      : FakeQMPServer.standardResponse(to: command)
  }
  for policy in [OverflowPolicy.suspendReader, .dropOldest] {
    try await withFakeQMPServer(flood) { server in
      let client = QMPClient(logger: quiet)
      try await client.connect(to: Endpoint(parsing: server.address.description))
      let transcript = client.transcript(bufferLimit: 1024, overflow: policy)
      let reader = Task {
        var seen = 0
        for await entry in transcript {
          if case .event = entry { seen += 1 }
          if case .reply = entry { break }
        }
        return seen
      }
      var seen = 0
      try await measure("event through a transcript, \(policy)", operations: events) {
        try await client.execute("flood")
        seen = await reader.value
      }
      print("|   read \(seen) of \(events), dropped \(transcript.droppedCount) | | | |")
      try await client.disconnect()
    }
  }
}

try await runBenchmarks()
