import Foundation
import Testing

/// Runs the built `qmp-shell` with a bounded wait.
enum ShellBinary {
  struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  struct TimedOut: Error, CustomStringConvertible {
    var arguments: [String]
    var description: String { "qmp-shell \(arguments.joined(separator: " ")) did not exit in time" }
  }

  /// The executable next to the test bundle (SwiftPM puts both in the same build folder).
  static let url: URL = {
    let bundleFolder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    let candidates = [
      bundleFolder.appendingPathComponent("qmp-shell"),
      URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../.build/debug/qmp-shell").standardized,
    ]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
      ?? candidates[0]
  }()

  /// Runs `qmp-shell arguments…` with `input` on standard input; fails after `timeout`.
  static func run(_ arguments: [String], input: String = "", timeout: Duration = .seconds(60))
    async throws -> Run
  {
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("qmp-shell-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let inURL = folder.appendingPathComponent("in")
    let outURL = folder.appendingPathComponent("out")
    let errURL = folder.appendingPathComponent("err")
    try Data(input.utf8).write(to: inURL)
    try Data().write(to: outURL)
    try Data().write(to: errURL)

    let process = Process()
    process.executableURL = url
    process.arguments = arguments
    process.standardInput = try FileHandle(forReadingFrom: inURL)
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)

    let status: Int32 = try await withThrowingTaskGroup(of: Int32.self) { group in
      let exited = AsyncStream<Int32> { continuation in
        process.terminationHandler = { finished in
          continuation.yield(finished.terminationStatus)
          continuation.finish()
        }
      }
      try process.run()
      group.addTask {
        for await status in exited { return status }
        return -1
      }
      group.addTask {
        try await Task.sleep(for: timeout)
        throw TimedOut(arguments: arguments)
      }
      defer { group.cancelAll() }
      do {
        return try await group.next()!
      } catch {
        process.terminate()
        throw error
      }
    }
    return Run(
      status: status,
      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }
}
