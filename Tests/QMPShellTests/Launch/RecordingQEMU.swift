import Foundation
import QMPTestSupport

/// A `--qemu` stand-in: a shell script that writes down its pid and the private directory the
/// shell gave it (with that directory's mode), then execs the real qemu-system-x86_64 with the
/// same pid, so a test can check afterwards that exactly that process and directory are gone.
struct RecordingQEMU {
  let folder: TemporaryDirectory
  var path: String { folder.file("qemu") }

  init() throws {
    folder = try TemporaryDirectory(prefix: "ql")
    let real = try ChildProcess.locate("qemu-system-x86_64")
    let script = """
      #!/bin/sh
      for a do
        case "$a" in
          unix:*) p=${a#unix:}; p=${p%%,*}; d=${p%/*}
                  stat -c %a "$d" > '\(folder.file("mode"))'
                  echo "$d" > '\(folder.file("dir"))' ;;
        esac
      done
      echo $$ > '\(folder.file("pid.tmp"))'
      mv '\(folder.file("pid.tmp"))' '\(folder.file("pid"))'
      exec '\(real)' "$@"

      """
    try writeExecutable(script, to: path)
  }

  private func read(_ name: String) -> String? {
    (try? String(contentsOfFile: folder.file(name), encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// QEMU's pid, once the script has run.
  var pid: pid_t? { read("pid").flatMap { pid_t($0) } }
  /// The private directory the shell made for the socket.
  var directory: String? { read("dir") }
  /// That directory's permission bits, as `stat` printed them ("700").
  var directoryMode: String? { read("mode") }

  /// Whether a process with this pid exists (ESRCH means it was reaped).
  static func isAlive(_ pid: pid_t) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }

  func remove() { folder.remove() }
}

/// Polls `condition` every 10 ms until it holds; throws once `limit` passed. For states only
/// visible in the file system (a file another process writes), where there is nothing to await.
func waitUntil(
  _ what: String, limit: Duration = .seconds(15), _ condition: @escaping @Sendable () -> Bool
) async throws {
  try await withTimeout(limit, what) {
    while !condition() { try await Task.sleep(for: .milliseconds(10)) }
  }
}

/// Writes a script and makes it executable, through a close-on-exec descriptor: a child that
/// another test spawns meanwhile must not inherit it open for writing, or exec'ing the script
/// fails with "Text file busy" (Foundation's atomic write does not set O_CLOEXEC).
func writeExecutable(_ text: String, to path: String) throws {
  let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
  guard descriptor >= 0 else {
    throw TestSupportError("cannot create \(path): \(String(cString: strerror(errno)))")
  }
  defer { close(descriptor) }
  let bytes = Array(text.utf8)
  let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
  guard written == bytes.count else {
    throw TestSupportError("cannot write \(path): \(String(cString: strerror(errno)))")
  }
}

/// Whether `pid` is a live process: not gone, and not a zombie waiting for its parent.
func isRunning(_ pid: pid_t) -> Bool {
  guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
    let close = stat.lastIndex(of: ")")
  else { return false }
  let state = stat[stat.index(after: close)...].dropFirst().first
  return state != "Z" && state != "X"
}
