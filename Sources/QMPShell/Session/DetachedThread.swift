import Glibc

/// Starts a detached POSIX thread running `body`.
///
/// The shell needs blocking loops off Swift's cooperative pool (readline's poll loop, the
/// signal-pipe reader, script output's writer, the reapers of launched processes).
/// Foundation's `Thread` would do, but importing Foundation loads it and ICU into every run:
/// about 4 ms and 8 MB of a one-shot `qmp-shell -c` (scripts/bench).
enum DetachedThread {
  /// Fails only when the system cannot make a thread (then `body` never runs).
  @discardableResult
  static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
    let box = Unmanaged.passRetained(Box(body))
    var thread = pthread_t()
    let result = pthread_create(
      &thread, nil,
      { argument in
        let box = Unmanaged<Box>.fromOpaque(argument!).takeRetainedValue()
        box.body()
        return nil
      }, box.toOpaque())
    guard result == 0 else {
      box.release()
      return false
    }
    pthread_detach(thread)
    return true
  }

  private final class Box {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }
}
