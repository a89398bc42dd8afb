/// The connect timeout of ``SessionConfiguration`` expired. Found as the `underlying` error of
/// a ``ConnectError`` whose phase says what was still going on.
public struct ConnectTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
  public let timeout: Duration
  /// What the attempt was waiting for, when it knows better than "the peer": e.g. a UNIX
  /// listener whose backlog stayed full (QEMU busy with another client).
  public let waitingFor: String?

  public init(timeout: Duration, waitingFor: String? = nil) {
    self.timeout = timeout
    self.waitingFor = waitingFor
  }

  public var description: String {
    guard let waitingFor else { return "timed out after \(timeout)" }
    return "timed out after \(timeout) waiting for \(waitingFor)"
  }
}
