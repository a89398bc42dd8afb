/// The life cycle of a ``ProtocolSession``.
///
/// The only paths are `idle → connecting → running → disconnecting → idle` and, when a connect
/// or accept fails or is cancelled, `connecting → disconnecting → idle`. A session that fails
/// while running stays in `disconnecting` until its owner calls `disconnect()`, so the owner
/// always learns the root cause before the session can be reused.
public enum Runstate: String, Sendable, Hashable, CustomStringConvertible {
  case idle
  case connecting
  case running
  case disconnecting

  public var description: String { rawValue }
}
