import Foundation
import NIOConcurrencyHelpers

/// A program the test started, with its output in a log file and an awaitable exit.
///
/// Started with `posix_spawn` rather than Foundation's `Process`: a `Process` launched from a
/// Swift concurrency thread (a libdispatch worker, which blocks almost every signal) hands that
/// signal mask to the child, and then QEMU ignores SIGTERM. Here the child gets an empty mask
/// and default dispositions. Output goes to a file, not a pipe, so a chatty child can never
/// block on a full pipe. A dedicated thread reaps the child with `waitpid`.
public final class ChildProcess: Sendable {
  private struct State {
    var exitStatus: Int32?
    var nextWaiter = 0
    var waiters: [Int: CheckedContinuation<Int32?, Never>] = [:]
  }

  public let executable: String
  public let arguments: [String]
  public let logPath: String
  public let processIdentifier: pid_t
  private let state = NIOLockedValueBox(State())

  /// Starts `executable` with stdin from /dev/null and stdout+stderr into `logPath`.
  public init(executable: String, arguments: [String], logPath: String) throws {
    self.executable = executable
    self.arguments = arguments
    self.logPath = logPath
    processIdentifier = try Self.spawn(executable, arguments, logPath: logPath)
    let reaper = Thread { [self] in self.reap() }
    reaper.name = "reaper \(processIdentifier)"
    reaper.start()
  }

  private static func spawn(_ executable: String, _ arguments: [String], logPath: String) throws
    -> pid_t
  {
    try cleanSpawn(executable, arguments) { actions in
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
  }

  /// Runs on the reaper thread: blocks until the child exits, then wakes every waiter.
  private func reap() {
    var status: Int32 = 0
    while waitpid(processIdentifier, &status, 0) < 0 && errno == EINTR {}
    // Exit code for a normal exit, 128 + signal for a killed child (as shells report it).
    let low = status & 0x7F
    let code = low == 0 ? (status >> 8) & 0xFF : 128 + low
    let waiters = state.withLock { state -> [CheckedContinuation<Int32?, Never>] in
      state.exitStatus = code
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume(returning: code) }
  }

  /// The exit code (128 + signal number if a signal ended it) once the child was reaped.
  public var exitStatus: Int32? { state.withLock { $0.exitStatus } }

  /// Everything the child wrote to stdout and stderr so far.
  public var log: String {
    (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
  }

  /// Sends `signal` unless the child was already reaped (so a recycled pid is never hit).
  public func send(signal: Int32) {
    state.withLock { state in
      if state.exitStatus == nil { _ = kill(processIdentifier, signal) }
    }
  }

  /// Waits until the child exited; nil if `limit` passed first or the task was cancelled.
  public func waitForExit(limit: Duration) async -> Int32? {
    let key = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    let timer = Task { [self] in
      try? await Task.sleep(for: limit)
      let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
      waiter?.resume(returning: nil)
    }
    defer { timer.cancel() }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Int32?, Never>) in
        let now = state.withLock { state -> Int32?? in
          if let status = state.exitStatus { return .some(status) }
          if Task.isCancelled { return .some(nil) }
          state.waiters[key] = continuation
          return .none
        }
        if let now { continuation.resume(returning: now) }
      }
    } onCancel: {
      let waiter = state.withLock { $0.waiters.removeValue(forKey: key) }
      waiter?.resume(returning: nil)
    }
  }

  /// SIGTERM, then SIGKILL if it has not exited after `grace`; returns once it was reaped
  /// (or after a further bounded wait, if even SIGKILL did not get it reaped).
  @discardableResult
  public func stop(grace: Duration = .seconds(5)) async -> Int32? {
    if let status = exitStatus { return status }
    send(signal: SIGTERM)
    if let status = await waitForExit(limit: grace) { return status }
    send(signal: SIGKILL)
    return await waitForExit(limit: .seconds(10))
  }

  /// Looks `name` up in PATH and the sbin directories (qemu-ga lives in /usr/sbin, which is
  /// often not in a normal user's PATH).
  public static func locate(_ name: String) throws -> String {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let directories =
      path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/local/sbin"]
    for directory in directories where !directory.isEmpty {
      let candidate = directory + "/" + name
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    throw TestSupportError("\(name) not found in PATH or the sbin directories; install it")
  }
}
