import Foundation
import QMPTestSupport

/// Runs a program found on `PATH` (mandoc, groff) with a bounded wait, for the documentation
/// checks. Output goes to files so that a large output cannot fill a pipe and stall the tool.
enum ExternalTool {
  struct Run: Sendable {
    var command: [String]
    var status: Int32
    var stdout: String
    var stderr: String
  }

  /// A tool that exited with a failure status.
  struct Failed: Error, CustomStringConvertible {
    var run: Run
    var description: String {
      "\(run.command.joined(separator: " ")) exited with status \(run.status): \(run.stderr)"
    }
  }

  /// A tool that is not installed.
  struct Missing: Error, CustomStringConvertible {
    var name: String
    var description: String { "\(name) is not installed (scripts/test installs it)" }
  }

  static func run(_ name: String, _ arguments: [String], limit: Duration = .seconds(20))
    async throws -> Run
  {
    guard let executable = find(name) else { throw Missing(name: name) }
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("qmp-docs-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let outURL = folder.appendingPathComponent("out")
    let errURL = folder.appendingPathComponent("err")
    try Data().write(to: outURL)
    try Data().write(to: errURL)

    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = try FileHandle(forWritingTo: outURL)
    process.standardError = try FileHandle(forWritingTo: errURL)
    let exited = AsyncStream<Int32> { continuation in
      process.terminationHandler = { finished in
        continuation.yield(finished.terminationStatus)
        continuation.finish()
      }
    }
    try process.run()
    let status: Int32
    do {
      status = try await withTimeout(limit, "\(name) \(arguments.joined(separator: " "))") {
        for await status in exited { return status }
        return -1
      }
    } catch {
      process.terminate()
      throw error
    }
    return Run(
      command: [name] + arguments, status: status,
      stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
      stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
  }

  /// The first executable called `name` in `PATH`.
  static func find(_ name: String) -> URL? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in path.split(separator: ":") {
      let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent(name)
      if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
    }
    return nil
  }
}
