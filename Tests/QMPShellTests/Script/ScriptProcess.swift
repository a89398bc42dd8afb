import Foundation
import QMPTestSupport

/// A running `qmp-shell` in script mode, for tests that must act while it runs (signals,
/// a socket that appears later). Output goes to files, read after exit.
final class ScriptProcess: @unchecked Sendable {
  // Foundation's Process is not Sendable; this wrapper only touches it from the test task and
  // from the termination handler, which only yields to a stream.
  let process = Process()
  private let folder: URL
  private let exited: AsyncStream<Int32>

  init(
    executable: URL = ShellBinary.url, _ arguments: [String], input: String = "",
    environment: [String: String]? = nil
  ) throws {
    folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("qmp-shell-script-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let inURL = folder.appendingPathComponent("in")
    try Data(input.utf8).write(to: inURL)
    try Data().write(to: folder.appendingPathComponent("out"))
    try Data().write(to: folder.appendingPathComponent("err"))
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    process.standardInput = try FileHandle(forReadingFrom: inURL)
    process.standardOutput = try FileHandle(forWritingTo: folder.appendingPathComponent("out"))
    process.standardError = try FileHandle(forWritingTo: folder.appendingPathComponent("err"))
    var continuation: AsyncStream<Int32>.Continuation!
    exited = AsyncStream { continuation = $0 }
    let finished = continuation!
    process.terminationHandler = { process in
      finished.yield(process.terminationStatus)
      finished.finish()
    }
    try process.run()
  }

  deinit {
    if process.isRunning { process.terminate() }
    try? FileManager.default.removeItem(at: folder)
  }

  /// What the shell has printed on stdout so far (to tell when it reached a point).
  var stdoutText: String {
    (try? String(contentsOf: folder.appendingPathComponent("out"), encoding: .utf8)) ?? ""
  }

  func signal(_ number: Int32) {
    kill(process.processIdentifier, number)
  }

  /// Waits for exit (bounded) and returns the status with both outputs.
  func finish(limit: Duration = .seconds(60)) async throws -> ShellBinary.Run {
    let exited = self.exited
    let status = try await withTimeout(limit, "qmp-shell \(process.arguments ?? [])") {
      for await status in exited { return status }
      return -1
    }
    func read(_ name: String) throws -> String {
      String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)
    }
    return ShellBinary.Run(status: status, stdout: try read("out"), stderr: try read("err"))
  }
}
