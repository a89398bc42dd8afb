import Glibc
import NIOConcurrencyHelpers

/// Stops a launched QEMU when the shell dies without stopping it: SIGKILL (a CI job's timeout),
/// a crash, the OOM killer.
///
/// A small `/bin/sh` joins QEMU's process group and waits to read from a socket whose other end
/// only the shell holds. The kernel closes that end when the shell's process ends, however it
/// ends, so the watchdog's read returns; it then removes the private directory and kills the
/// whole group, itself included. On the normal path the shell stops QEMU first and then
/// ``dismiss()``es the watchdog, which finds the group empty but for itself.
///
/// Why not something lighter: QEMU 7.2 has no option to follow its parent, and
/// `PR_SET_PDEATHSIG` needs code between fork and exec (which `posix_spawn` has no room for)
/// and fires when the spawning *thread* ends, which for a pool thread is any time.
final class LaunchWatchdog: Sendable {
  /// The shell's end of the socket pair; nil once dismissed.
  private let writer: NIOLockedValueBox<Int32?>

  /// What the watchdog runs: `$1` is QEMU's process group, `$2` the private directory. dash's
  /// `kill` takes a negative pid as a group (`kill -9 -- -N` it refuses). The directory goes
  /// first, so whoever sees QEMU gone also sees the directory gone.
  private static let script = #"read _; rm -rf -- "$2"; kill -9 -"$1""#

  private init(writer: Int32) {
    self.writer = NIOLockedValueBox(writer)
  }

  /// Starts a watchdog in process group `group` (QEMU's, led by QEMU); nil if it cannot be
  /// started, e.g. because QEMU is already gone and took its group with it. The shell then
  /// runs without one: nothing is left to protect, or nothing can be done about it.
  static func start(group: pid_t, directory: String) -> LaunchWatchdog? {
    var ends: [Int32] = [-1, -1]
    // Close-on-exec from the start: no other child the shell spawns, QEMU included, may hold
    // the write end, or the watchdog would outlive the shell waiting for it. A socket pair,
    // because it takes the flag at creation (`pipe2` does not import into Swift; `pipe` and a
    // later `fcntl` leave a gap in which another thread's spawn inherits both ends).
    let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { return nil }
    let (reader, writer) = (ends[0], ends[1])
    defer { close(reader) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, reader, 0)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    InheritedDescriptors.close(in: &actions)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    // In QEMU's group: not the terminal's foreground group, so a Ctrl-C or a hang-up meant for
    // the shell does not reach it, and the group (and so its id) lives as long as it does.
    attributes.configureForChild(processGroup: group)

    let words = ["/bin/sh", "-c", script, "qmp-shell-watchdog", String(group), directory]
    let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    guard posix_spawn(&pid, "/bin/sh", &actions, &attributes, argv, environ) == 0 else {
      close(writer)
      return nil
    }
    // Reaped on a thread of its own, so it never lingers as a zombie and no thread Swift
    // concurrency shares is blocked in `waitpid`.
    let watchdog = pid
    DetachedThread.start {
      var status: Int32 = 0
      while waitpid(watchdog, &status, 0) < 0 && errno == EINTR {}
    }
    return LaunchWatchdog(writer: writer)
  }

  /// Lets the watchdog go: it kills what is left of QEMU's group and exits. Call it once QEMU
  /// has been stopped; idempotent.
  func dismiss() {
    let end = writer.withLockedValue { writer in
      defer { writer = nil }
      return writer
    }
    if let end { close(end) }
  }

  deinit { dismiss() }
}
