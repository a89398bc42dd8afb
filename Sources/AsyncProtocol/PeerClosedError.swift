import NIOCore

#if canImport(Glibc)
  import Glibc
#endif

/// The peer closed the connection (end-of-file on the socket, or the reset or broken pipe a
/// hang-up can show up as).
///
/// Its own type so that owners can tell "the other side went away" (for example QEMU after a
/// `quit`, or a QEMU that was killed) from real failures.
public struct PeerClosedError: Error, Sendable, Hashable, CustomStringConvertible {
  public init() {}

  public var description: String { "connection closed by peer" }

  /// `error`, or a ``PeerClosedError`` if `error` is the socket reporting a hang-up.
  ///
  /// A peer that goes away does not always make an end-of-file. On Linux, a process that
  /// exits (or is killed) with bytes of ours still unread in its socket makes our next read
  /// fail with ECONNRESET instead, and a write after the hang-up fails with EPIPE. QEMU reads
  /// its monitor input a byte at a time and stops reading while it runs a command, so a QEMU
  /// killed just after answering still holds the newline that ended our command: which of
  /// EOF and ECONNRESET a killed QEMU gives depended on scheduling (a flaky test).
  static func ifHangUp(_ error: any Error) -> any Error {
    guard let error = error as? IOError, [ECONNRESET, EPIPE].contains(error.errnoCode) else {
      return error
    }
    return PeerClosedError()
  }
}
