/// What the session's reader hands its owner, one at a time and in arrival order.
public enum SessionEvent<Message: Sendable>: Sendable {
  /// A message from the peer (after the inbound hook).
  case message(Message)
  /// The session failed while running: end-of-file (``PeerClosedError``), a decode error, an
  /// I/O error or a writer error. It carries the *first* failure, which is the root cause;
  /// errors caused by it are never reported in its place. It is delivered at most once, after
  /// every message that arrived before the failure, and only if the owner has not already
  /// called `disconnect()` (which then throws the same error). The session stays in
  /// `.disconnecting` until the owner calls `disconnect()`.
  case failed(any Error)
}
