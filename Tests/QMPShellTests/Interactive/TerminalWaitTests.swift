import Foundation
import QMPTestSupport
import Testing

/// Waiting for a terminal program's output must not hold one of Swift's cooperative threads
/// (there is one per core): the program often talks to a fake server in this very process,
/// and that server's tasks need those threads to answer.
struct TerminalWaitTests {
  @Test func moreTerminalsThanCoresWaitOnAnInProcessServerAtOnce() async throws {
    let shells = ProcessInfo.processInfo.activeProcessorCount + 1
    try await withFakeQMPServer { server in
      let directory = try TemporaryDirectory()
      defer { directory.remove() }
      try await withThrowingTaskGroup(of: Int32.self) { group in
        for index in 0..<shells {
          group.addTask {
            let shell = try ShellTerminal(
              address: server.address.description, history: directory.file("history-\(index)"))
            // The prompt comes only after the greeting, which a task of this process sends.
            try await shell.expect("(QEMU) ")
            try shell.send(Key.endOfFile)
            return try await shell.terminal.waitForExit()
          }
        }
        var statuses: [Int32] = []
        for try await status in group { statuses.append(status) }
        #expect(statuses == Array(repeating: 0, count: shells))
      }
    }
  }
}
