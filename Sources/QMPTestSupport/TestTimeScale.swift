import Foundation

/// How much longer than nominal the tests' time bounds are: `QMP_TEST_TIME_SCALE` (a number
/// ≥ 1), or 1 when it is unset or not a number.
///
/// `scripts/check-sanitizers` sets it (3): sanitized code runs 5–15 times slower, and a test that
/// waits 10 s for a connect and a reply missed that bound under ThreadSanitizer on a loaded
/// machine. Scaling every bound in one place, rather than raising numbers test by test, keeps
/// the bounds of the normal suite tight.
public let testTimeScale: Double = {
  guard let text = ProcessInfo.processInfo.environment["QMP_TEST_TIME_SCALE"],
    let scale = Double(text), scale >= 1, scale.isFinite
  else { return 1 }
  return scale
}()

extension Duration {
  /// This bound stretched by ``testTimeScale``.
  public var scaledForTests: Duration { self * testTimeScale }
}
