/// ``ProtocolSession/send(_:timeout:)`` waited `timeout` for room in a full outbound queue
/// (the peer stopped reading); the message was not queued and will never be sent.
public struct SendTimeoutError: Error, Sendable, Hashable, CustomStringConvertible {
  public let timeout: Duration

  public init(timeout: Duration) {
    self.timeout = timeout
  }

  public var description: String {
    "the outbound queue stayed full for \(timeout): the peer is not reading"
  }
}
