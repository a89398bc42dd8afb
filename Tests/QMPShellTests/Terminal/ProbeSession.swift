import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// A temporary folder with a FIFO and a history path, and the probe running in a pty.
final class ProbeSession {
  let folder: String
  let historyPath: String
  let fifoPath: String
  /// Held open read-write so the probe's reader never sees end-of-file and writes never block.
  private let fifo: Int32
  private(set) var terminal: PseudoTerminal!

  init(folder existing: String? = nil, extraArguments: [String] = [], history: Bool = true)
    throws
  {
    if let existing {
      folder = existing
    } else {
      var template = Array("/tmp/le.XXXXXX".utf8CString)
      guard let made = mkdtemp(&template) else {
        throw PseudoTerminalError(description: "mkdtemp failed: errno \(errno)")
      }
      folder = String(cString: made)
    }
    historyPath = folder + "/history"
    fifoPath = folder + "/events"
    unlink(fifoPath)
    guard mkfifo(fifoPath, 0o600) == 0 else {
      throw PseudoTerminalError(description: "mkfifo failed: errno \(errno)")
    }
    fifo = open(fifoPath, O_RDWR | O_CLOEXEC)
    var arguments = ["--fifo", fifoPath] + extraArguments
    if history { arguments += ["--history", historyPath] }
    terminal = try PseudoTerminal(
      executable: try PseudoTerminal.probePath(),
      arguments: arguments,
      environment: [
        "TERM": "xterm-256color", "LANG": "C.UTF-8", "HOME": folder, "INPUTRC": "/dev/null",
        "PATH": "/usr/bin:/bin",
      ])
  }

  deinit {
    terminal = nil
    close(fifo)
  }

  /// Delivers a line to the probe as if from the network.
  func inject(_ line: String) throws {
    let bytes = Array((line + "\n").utf8)
    let written = bytes.withUnsafeBytes { write(fifo, $0.baseAddress, $0.count) }
    guard written == bytes.count else {
      throw PseudoTerminalError(description: "FIFO write failed: errno \(errno)")
    }
  }

  /// Removes the folder (call once the probe and any follow-up runs are done).
  func removeFolder() {
    try? FileManager.default.removeItem(atPath: folder)
  }
}
