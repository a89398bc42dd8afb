import Glibc

/// Starts `executable` the way every test child must start: with an empty signal mask and
/// default dispositions (a Swift concurrency thread blocks most signals, and a child would
/// inherit that: QEMU then ignores SIGTERM) and with no inherited descriptor from 3 on
/// (see ``addCloseFrom(_:lowest:)``). `redirect` sets up descriptors 0–2.
///
/// - Parameters:
///   - ownProcessGroup: put the child in a new process group, so that a hung run can be
///     killed with everything under it.
///   - closingFrom: the lowest descriptor closed in the child; a test that hands the child a
///     descriptor on purpose (`redirect` dup2s it to 3, say) raises it past that one.
public func cleanSpawn(
  _ executable: String, _ arguments: [String], ownProcessGroup: Bool = false,
  closingFrom lowest: Int32 = 3, redirect: (inout posix_spawn_file_actions_t) -> Void
) throws -> pid_t {
  var actions = posix_spawn_file_actions_t()
  posix_spawn_file_actions_init(&actions)
  defer { posix_spawn_file_actions_destroy(&actions) }
  redirect(&actions)
  addCloseFrom(&actions, lowest: lowest)

  var attributes = posix_spawnattr_t()
  posix_spawnattr_init(&attributes)
  defer { posix_spawnattr_destroy(&attributes) }
  var noSignals = sigset_t()
  sigemptyset(&noSignals)
  posix_spawnattr_setsigmask(&attributes, &noSignals)
  var allSignals = sigset_t()
  sigfillset(&allSignals)
  sigdelset(&allSignals, SIGKILL)
  sigdelset(&allSignals, SIGSTOP)
  posix_spawnattr_setsigdefault(&attributes, &allSignals)
  var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
  if ownProcessGroup {
    posix_spawnattr_setpgroup(&attributes, 0)
    flags |= POSIX_SPAWN_SETPGROUP
  }
  posix_spawnattr_setflags(&attributes, Int16(flags))

  let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
  defer { for pointer in argv { free(pointer) } }
  var pid: pid_t = 0
  let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
  guard result == 0 else {
    throw TestSupportError("cannot start \(executable): \(String(cString: strerror(result)))")
  }
  return pid
}
