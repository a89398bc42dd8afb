import NIOConcurrencyHelpers
import QMPTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct TimeoutTests {
  @Test func returnsTheResultInTime() async throws {
    let value = try await withTimeout(.seconds(5)) { 42 }
    #expect(value == 42)
  }

  @Test func abandonsAnOperationThatIgnoresCancellation() async throws {
    // A continuation nobody resumes ignores cancellation: the worst case. It is kept (and
    // resumed at the end) so that it is not reported as leaked.
    let parked = NIOLockedValueBox<CheckedContinuation<Void, Never>?>(nil)
    let started = ContinuousClock.now
    let error = await #expect(throws: TimeoutError.self) {
      try await withTimeout(.milliseconds(50), "waiting for nothing") {
        await withCheckedContinuation { continuation in parked.withLockedValue { $0 = continuation }
        }
      }
    }
    parked.withLockedValue { $0?.resume() }
    #expect(
      error?.description
        == "waiting for nothing did not finish within \(Duration.milliseconds(50).scaledForTests)")
    // Generous: on a starved machine the deadline itself can be late; "never" is the failure.
    #expect(ContinuousClock.now - started < .seconds(30))
  }

  @Test func passesErrorsThrough() async throws {
    struct Oops: Error {}
    await #expect(throws: Oops.self) {
      try await withTimeout(.seconds(5)) { throw Oops() }
    }
  }

  @Test func signalReleasesWaitersOnceFired() async throws {
    let signal = AsyncSignal()
    let waiter = Task { await signal.wait() }
    signal.fire()
    try await withTimeout(.seconds(5)) { await waiter.value }
    // Waiting after the fact returns at once.
    try await withTimeout(.seconds(5)) { await signal.wait() }
    #expect(signal.isFired)
  }
}
