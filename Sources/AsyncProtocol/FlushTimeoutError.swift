/// A normal `disconnect()` could not flush the outbound queue within the configuration's
/// ``SessionConfiguration/flushTimeout``: the peer stayed connected but stopped reading. The
/// session was closed hard; whatever was still queued or half-written was not delivered.
public struct FlushTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
  public let timeout: Duration

  public init(timeout: Duration) {
    self.timeout = timeout
  }

  public var description: String {
    "the peer did not take the queued output within \(timeout) (it stopped reading); closed without flushing"
  }
}
