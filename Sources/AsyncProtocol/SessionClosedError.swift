/// The session was shut down (by `disconnect()` or by a failure) before an operation that was
/// already under way could finish: a `send()` waiting for queue space, a handshake
/// `receive()`, or a `connect()` interrupted by `disconnect()`.
public struct SessionClosedError: Error, Sendable, Hashable, CustomStringConvertible {
  public init() {}

  public var description: String { "the session was closed before the operation completed" }
}
