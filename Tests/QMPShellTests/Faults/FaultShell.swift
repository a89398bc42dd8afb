import Foundation
import NIOConcurrencyHelpers
import QMPTestSupport

/// What one `qmp-shell` run of the fault matrix did.
struct FaultRun: Sendable {
  /// The exit code, or 128 + the signal number when a signal ended it (a crash shows as 134
  /// or 139, SIGPIPE as 141).
  var status: Int32
  /// Standard output, up to the run's `keepStdout` bytes.
  var stdout: String
  /// Newlines written to standard output, counted over all of it (not only what was kept).
  var stdoutLines: Int
  var stdoutBytes: Int
  var stderr: String
  /// The shell's own peak resident set (`ru_maxrss` as GNU time reports it), in KiB.
  var peakRSSKiB: Int
  /// From spawn to reap.
  var elapsed: Duration

  /// Standard error split into lines, without the final newline.
  var stderrLines: [Substring] { stderr.split(separator: "\n") }
  var peakRSSMiB: Double { Double(peakRSSKiB) / 1024 }
}

/// Runs the built `qmp-shell` the way a CI job does, for the fault tests.
///
/// Unlike ``ShellBinary``, standard output and standard error are pipes drained by their own
/// threads while the child runs (a shell printing a million events must never block on a full
/// pipe, and the test must see its real pipe behaviour). A run that outlives `limit` is killed
/// and the test fails with ``FaultShell/Hung`` instead of hanging.
///
/// The peak RSS comes from GNU time (`/usr/bin/time -f %M`), which forks and execs the shell.
/// Our own `wait4` cannot give it: posix_spawn execs from a vfork, and Linux carries the
/// parent's high-water mark into the child's `ru_maxrss` at exec, so every child would report
/// at least this test process's peak (measured: the same 115 MiB for every run). `time` is a
/// small process, and its child starts from a true fork of it.
enum FaultShell {
  struct Hung: Error, CustomStringConvertible {
    var arguments: [String]
    var limit: Duration
    var stderr: String
    var description: String {
      "qmp-shell \(arguments.prefix(6).joined(separator: " ")) did not exit within \(limit) (stderr: \(stderr))"
    }
  }

  static func run(
    _ arguments: [String], input: [UInt8] = [], limit: Duration = .seconds(30),
    keepStdout: Int = 1 << 20
  ) async throws -> FaultRun {
    let directory = try TemporaryDirectory(prefix: "qf")
    defer { directory.remove() }
    let gnuTime = "/usr/bin/time"
    guard access(gnuTime, X_OK) == 0 else {
      throw TestSupportError("\(gnuTime) is missing: install GNU time (apt-get install time)")
    }
    let rssPath = directory.file("rss")
    let inputPath = directory.file("in")
    try Data(input).write(to: URL(fileURLWithPath: inputPath))

    let output = try Pipe.make()
    let errors = try Pipe.make()
    let start = ContinuousClock.now
    let pid: pid_t
    do {
      pid = try spawn(
        gnuTime, ["-f", "%M", "-o", rssPath, ShellBinary.url.path] + arguments, stdin: inputPath,
        stdout: output.write, stderr: errors.write)
    } catch {
      for fd in [output.read, output.write, errors.read, errors.write] { close(fd) }
      throw error
    }
    close(output.write)
    close(errors.write)
    let stdoutDrain = ThreadWork { Drained.read(output.read, keep: keepStdout) }
    let stderrDrain = ThreadWork { Drained.read(errors.read, keep: 1 << 20) }
    let reaper = ThreadWork { Reaped.wait(for: pid) }

    let reaped: Reaped
    do {
      reaped = try await withTimeout(limit, "qmp-shell \(arguments.first ?? "")") {
        await reaper.value
      }
    } catch {
      // The whole group: `time` and the shell under it (which would keep the pipes open).
      kill(-pid, SIGKILL)
      _ = await reaper.value
      let stderr = await stderrDrain.value
      _ = await stdoutDrain.value
      throw Hung(arguments: arguments, limit: limit, stderr: stderr.text)
    }
    let elapsed = ContinuousClock.now - start
    let stdout = await stdoutDrain.value
    let stderr = await stderrDrain.value
    // GNU time writes "Command exited with non-zero status N" first, then the format.
    let report = (try? String(contentsOfFile: rssPath, encoding: .utf8)) ?? ""
    guard let peak = report.split(separator: "\n").last.flatMap({ Int($0) }) else {
      throw TestSupportError("GNU time reported no peak RSS: \(report)")
    }
    return FaultRun(
      status: reaped.status, stdout: stdout.text, stdoutLines: stdout.newlines,
      stdoutBytes: stdout.total, stderr: stderr.text, peakRSSKiB: peak, elapsed: elapsed)
  }

  /// Spawns with stdin from `stdin` (a file), in a process group of its own so that a hung
  /// run can be killed with everything under it.
  private static func spawn(
    _ executable: String, _ arguments: [String], stdin: String, stdout: Int32, stderr: Int32
  ) throws -> pid_t {
    try cleanSpawn(executable, arguments, ownProcessGroup: true) { actions in
      posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
      posix_spawn_file_actions_adddup2(&actions, stdout, 1)
      posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    }
  }

  private struct Pipe {
    var read: Int32
    var write: Int32

    /// glibc's `pipe2`, which Swift does not import (it needs `_GNU_SOURCE`). `pipe` plus
    /// `fcntl` would leave a moment in which a child that another test spawns inherits the
    /// write end, and our read would then not see EOF until that child exits.
    private typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    private static let pipe2: Pipe2? = dlsym(nil, "pipe2").map {
      unsafeBitCast($0, to: Pipe2.self)
    }

    static func make() throws -> Pipe {
      guard let pipe2 else { throw TestSupportError("glibc has no pipe2") }
      var fds: [Int32] = [-1, -1]
      guard pipe2(&fds, O_CLOEXEC) == 0 else {
        throw TestSupportError("pipe2: \(String(cString: strerror(errno)))")
      }
      return Pipe(read: fds[0], write: fds[1])
    }
  }

  /// Everything read from a pipe until EOF: the first `keep` bytes, the total and the newlines.
  private struct Drained: Sendable {
    var text = ""
    var total = 0
    var newlines = 0

    static func read(_ fd: Int32, keep: Int) -> Drained {
      defer { close(fd) }
      var kept: [UInt8] = []
      var drained = Drained()
      var chunk = [UInt8](repeating: 0, count: 1 << 16)
      while true {
        let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { break }
        drained.total += count
        for byte in chunk[0..<count] where byte == UInt8(ascii: "\n") { drained.newlines += 1 }
        if kept.count < keep { kept += chunk[0..<min(count, keep - kept.count)] }
      }
      drained.text = String(decoding: kept, as: UTF8.self)
      return drained
    }
  }

  private struct Reaped: Sendable {
    /// GNU time passes the shell's exit code on, and 128 + N when signal N killed it.
    var status: Int32

    static func wait(for pid: pid_t) -> Reaped {
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      let signal = status & 0x7F
      return Reaped(status: signal == 0 ? (status >> 8) & 0xFF : 128 + signal)
    }
  }
}

/// Blocking work (a `read` loop, a `wait4`) on its own thread, awaited without blocking the
/// cooperative pool.
final class ThreadWork<T: Sendable>: Sendable {
  private struct State {
    var result: T?
    var waiters: [CheckedContinuation<T, Never>] = []
  }

  // Not `Mutex`: TSan cannot see a contended Mutex's hand-over and reports false races.
  private let state = NIOLockedValueBox(State())

  init(_ work: @escaping @Sendable () -> T) {
    let thread = Thread { [self] in
      let result = work()
      let waiters = state.withLockedValue { state in
        state.result = result
        defer { state.waiters = [] }
        return state.waiters
      }
      for waiter in waiters { waiter.resume(returning: result) }
    }
    thread.start()
  }

  var value: T {
    get async {
      await withCheckedContinuation { continuation in
        let ready = state.withLockedValue { state -> T? in
          if let result = state.result { return result }
          state.waiters.append(continuation)
          return nil
        }
        if let ready { continuation.resume(returning: ready) }
      }
    }
  }
}

/// Runs `body` for every item, at most `width` at a time; rethrows the first failure.
func forEachConcurrently<Item: Sendable>(
  _ items: [Item], width: Int, _ body: @escaping @Sendable (Item) async throws -> Void
) async throws {
  try await withThrowingTaskGroup(of: Void.self) { group in
    var iterator = items.makeIterator()
    for _ in 0..<max(1, width) {
      guard let item = iterator.next() else { break }
      group.addTask { try await body(item) }
    }
    while try await group.next() != nil {
      if let item = iterator.next() { group.addTask { try await body(item) } }
    }
  }
}
