import Glibc

/// Keeps the shell's inherited descriptors out of the processes it starts.
///
/// Whoever started the shell may have left descriptors open without close-on-exec (Foundation's
/// `Process`, a CI runner's pipes, a script's `3>file`). They were meant for the shell; a
/// launched QEMU that inherits one keeps it open for as long as it runs, so the parent
/// waiting for the end of that pipe waits for QEMU, not for the shell. Descriptors the shell
/// opens itself are close-on-exec and never reach a child anyway.
enum InheritedDescriptors {
  /// Adds a close action for every open descriptor from 3 up that lacks close-on-exec.
  ///
  /// Read from `/proc/self/fd` when called. glibc ignores a close action whose descriptor was
  /// closed in the meantime (only out-of-range ones are errors), so a descriptor another
  /// thread closes before the spawn does no harm.
  static func close(in actions: inout posix_spawn_file_actions_t) {
    guard let folder = opendir("/proc/self/fd") else { return }
    defer { closedir(folder) }
    let own = dirfd(folder)
    while let entry = readdir(folder) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      guard let descriptor = Int32(name), descriptor > 2, descriptor != own else { continue }
      let flags = fcntl(descriptor, F_GETFD)
      if flags >= 0 && flags & FD_CLOEXEC == 0 {
        posix_spawn_file_actions_addclose(&actions, descriptor)
      }
    }
  }
}
