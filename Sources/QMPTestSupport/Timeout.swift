/// The operation given to ``withTimeout(_:_:operation:)`` did not finish in time.
public struct TimeoutError: Error, CustomStringConvertible, Sendable {
  /// What was being waited for, as the caller named it.
  public var operation: String
  public var limit: Duration

  public init(operation: String, limit: Duration) {
    self.operation = operation
    self.limit = limit
  }

  public var description: String { "\(operation) did not finish within \(limit)" }
}

/// Runs `operation` and throws ``TimeoutError`` if it has not finished after `limit`
/// (stretched by ``testTimeScale`` under a sanitizer; the error names the stretched limit).
///
/// Unlike a task group, this returns at the deadline even when `operation` ignores
/// cancellation (a continuation nobody resumes, a blocking call): the operation is cancelled and
/// abandoned, so a test that would otherwise hang fails with a clear message instead.
public func withTimeout<T: Sendable>(
  _ limit: Duration,
  _ operationName: String = "operation",
  operation: @escaping @Sendable () async throws -> T
) async throws -> T {
  let limit = limit.scaledForTests
  let race = TimeoutRace<T>()
  return try await withTaskCancellationHandler {
    try await withCheckedThrowingContinuation { continuation in
      race.install(continuation)
      let worker = Task {
        do {
          race.finish(.success(try await operation()))
        } catch {
          race.finish(.failure(error))
        }
      }
      let timer = Task {
        try? await Task.sleep(for: limit)
        if race.finish(.failure(TimeoutError(operation: operationName, limit: limit))) {
          worker.cancel()
        }
      }
      race.setCancellers(worker: worker, timer: timer)
    }
  } onCancel: {
    race.finish(.failure(CancellationError()))
    race.cancelAll()
  }
}
