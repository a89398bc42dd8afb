import Glibc

/// Adds glibc's `posix_spawn_file_actions_addclosefrom_np(actions, lowest)`: the child gets no
/// descriptor from `lowest` on except those the later actions open.
///
/// Test children need it: SwiftNIO accepts sockets without `O_CLOEXEC` on Linux, so a child
/// spawned while a fake server holds a connection keeps that connection open after the server
/// closed it, and the server's client waits for an EOF that never comes. Swift does not import
/// the function (it is a GNU extension), hence the lookup. Returns false where glibc lacks it
/// (before 2.34); the spawn then works as before.
@discardableResult
func addCloseFrom(_ actions: inout posix_spawn_file_actions_t, lowest: Int32) -> Bool {
  guard let closeFrom = spawnCloseFrom else { return false }
  return closeFrom(&actions, lowest) == 0
}

private typealias CloseFrom =
  @convention(c) (
    UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32
  ) -> Int32

private let spawnCloseFrom: CloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np")
  .map { unsafeBitCast($0, to: CloseFrom.self) }
