import NIOConcurrencyHelpers

extension NIOLockedValueBox {
  /// `Synchronization.Mutex`'s spelling of `withLockedValue`, so state kept in a `Mutex`
  /// moved to this box without touching its call sites.
  ///
  /// Why not `Mutex`: on Linux a contended `Mutex` is handed over inside the kernel (a
  /// priority-inheritance futex, taken in the uninstrumented Synchronization library), so
  /// ThreadSanitizer never sees the hand-over and reports every access the lock protects as a
  /// race (`scripts/check-sanitizers`). This box is a pthread mutex, which TSan understands;
  /// uncontended it costs the same (measured in the README's sanitizer section).
  @inlinable
  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    try withLockedValue(body)
  }
}
