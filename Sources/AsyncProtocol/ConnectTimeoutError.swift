/// The connect timeout of ``SessionConfiguration`` expired. Found as the `underlying` error of
/// a ``ConnectError`` whose phase says what was still going on.
public struct ConnectTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
  public let timeout: Duration

  public init(timeout: Duration) {
    self.timeout = timeout
  }

  public var description: String { "timed out after \(timeout)" }
}
