import Foundation
import QMPTestSupport
import Testing

/// A descriptor the shell inherited without close-on-exec is the shell's: QEMU and its
/// watchdog must not hold it. If they did, a parent that waits for the end of that pipe (a CI
/// runner reading a step's output, Foundation's `Process`) would wait for QEMU, and after a
/// SIGKILL to the shell, forever.
@Suite(.timeLimit(.minutes(1)))
struct InheritedDescriptorTests {
  @Test func anInheritedPipeStaysWithTheShell() async throws {
    let qemu = try RecordingQEMU()
    defer { qemu.remove() }
    var ends: [Int32] = [-1, -1]
    try #require(pipe(&ends) == 0)
    defer { for end in ends { close(end) } }
    let pipeIdentity = try #require(link("/proc/self/fd/\(ends[1])"))
    let output = qemu.folder.file("shell.out")

    let shell = try spawnShell(
      ["--launch", "--qemu", qemu.path, "-c", "query-status", "--wait-event", "NEVER"],
      output: output, extra: ends[1])
    try await waitUntil("the reply to query-status") {
      ((try? String(contentsOfFile: output, encoding: .utf8)) ?? "").contains("running")
    }
    let qemuPID = try #require(qemu.pid)
    let group = processes(inGroup: qemuPID)
    // QEMU and the watchdog that stops it should the shell be killed.
    #expect(group.count == 2)
    #expect(group.contains(qemuPID))
    for member in group {
      #expect(!descriptorTargets(of: member).contains(pipeIdentity), "process \(member)")
    }

    kill(shell, SIGTERM)
    try await waitUntil("the shell's exit") {
      var status: Int32 = 0
      return waitpid(shell, &status, WNOHANG) == shell
    }
    #expect(!isRunning(qemuPID))
  }

  /// Starts the shell with `extra` open, without close-on-exec, as descriptor 3, and its
  /// output in `output`.
  private func spawnShell(_ arguments: [String], output: String, extra: Int32) throws -> pid_t {
    try cleanSpawn(ShellBinary.url.path, arguments, closingFrom: 4) { actions in
      posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
      posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
      posix_spawn_file_actions_adddup2(&actions, 1, 2)
      posix_spawn_file_actions_adddup2(&actions, extra, 3)
    }
  }

  /// Every live process whose process group is `group` (field 5 of /proc/PID/stat).
  private func processes(inGroup group: pid_t) -> [pid_t] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return names.compactMap { name -> pid_t? in
      guard let pid = pid_t(name), isRunning(pid),
        let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
      else { return nil }
      let fields = stat[stat.index(after: close)...].split(separator: " ")
      return fields.count > 2 && pid_t(fields[2]) == group ? pid : nil
    }
  }

  /// What each of `pid`'s descriptors refers to ("pipe:[123]", a path, ...).
  private func descriptorTargets(of pid: pid_t) -> Set<String> {
    let folder = "/proc/\(pid)/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return Set(names.compactMap { link("\(folder)/\($0)") })
  }

  private func link(_ path: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: path)
  }
}
