import Foundation
import NIOConcurrencyHelpers
import Testing

struct TestTimedOut: Error, CustomStringConvertible {
  let limit: Duration
  var description: String { "test did not finish within \(limit)" }
}

/// How much longer than nominal the bounds are: `QMP_TEST_TIME_SCALE` (≥ 1), which
/// `scripts/check-sanitizers` sets because sanitized code runs several times slower. (The same
/// rule as QMPTestSupport's `testTimeScale`, which this target does not link.)
let testTimeScale: Double = {
  guard let text = ProcessInfo.processInfo.environment["QMP_TEST_TIME_SCALE"],
    let scale = Double(text), scale >= 1, scale.isFinite
  else { return 1 }
  return scale
}()

/// Runs `body`, failing the test instead of hanging if it takes longer than `limit`
/// (stretched by ``testTimeScale``).
///
/// The body runs in its own task, so even a body stuck in something that ignores
/// cancellation cannot keep the test from ending.
func withTimeout<T: Sendable>(
  _ limit: Duration = .seconds(10),
  _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
  let limit = limit * testTimeScale
  let slot = NIOLockedValueBox<CheckedContinuation<T, any Error>?>(nil)
  let resume: @Sendable (Result<T, any Error>) -> Void = { result in
    let continuation = slot.withLockedValue { c in
      defer { c = nil }
      return c
    }
    continuation?.resume(with: result)
  }
  var work: Task<Void, Never>?
  var timer: Task<Void, Never>?
  defer {
    work?.cancel()
    timer?.cancel()
  }
  return try await withCheckedThrowingContinuation { continuation in
    slot.withLockedValue { $0 = continuation }
    work = Task {
      do { resume(.success(try await body())) } catch { resume(.failure(error)) }
    }
    timer = Task {
      guard (try? await Task.sleep(for: limit)) != nil else { return }
      resume(.failure(TestTimedOut(limit: limit)))
    }
  }
}
