/// The peer closed the connection (end-of-file on the socket).
///
/// Its own type so that owners can tell "the other side went away" (for example QEMU after a
/// `quit`) from real failures.
public struct PeerClosedError: Error, Sendable, Hashable, CustomStringConvertible {
  public init() {}

  public var description: String { "connection closed by peer" }
}
