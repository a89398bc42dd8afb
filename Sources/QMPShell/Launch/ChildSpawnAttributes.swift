import Glibc

extension posix_spawnattr_t {
  /// Sets what every process the shell starts (QEMU, its watchdog) must get, on attributes
  /// made with `posix_spawnattr_init`: an empty signal mask, the default action for every
  /// signal, and process group `group` (0: a new group that the child leads).
  ///
  /// The shell ignores SIGINT, SIGTERM, SIGHUP and SIGPIPE and runs on threads that block
  /// signals; ignored dispositions and the mask survive exec, and a QEMU that ignores SIGTERM,
  /// or a watchdog deaf to the group signals of a normal stop, could not be stopped.
  mutating func configureForChild(processGroup group: pid_t) {
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&self, &none)
    var all = sigset_t()
    sigfillset(&all)
    sigdelset(&all, SIGKILL)
    sigdelset(&all, SIGSTOP)
    posix_spawnattr_setsigdefault(&self, &all)
    posix_spawnattr_setpgroup(&self, group)
    posix_spawnattr_setflags(
      &self, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
  }
}
