import AsyncProtocol
import NIOCore

/// Why a connection ended, as precisely as the client can tell.
public enum DisconnectReason: Sendable, CustomStringConvertible {
  /// The owner called `disconnect()`.
  case closedByClient
  /// End-of-file after a `quit` (or `guest-shutdown`) was sent or a SHUTDOWN event arrived:
  /// the expected end of a session, not a failure.
  case peerQuit
  /// End-of-file that nothing announced (QEMU crashed or was killed, the socket was closed).
  case endOfFile
  /// The byte stream could not be decoded (a message cut off by EOF, or over the size limit).
  case decodeFailed(any Error)
  /// A socket error while reading or writing.
  case ioFailed(any Error)

  /// Whether this is an expected end (the client closed, or QEMU quit as asked).
  public var isClean: Bool {
    switch self {
    case .closedByClient, .peerQuit: return true
    case .endOfFile, .decodeFailed, .ioFailed: return false
    }
  }

  public var description: String {
    switch self {
    case .closedByClient: return "closed by the client"
    case .peerQuit: return "QEMU quit"
    case .endOfFile: return "connection closed by peer unexpectedly (end of file)"
    case .decodeFailed(let error): return "decode error: \(error)"
    case .ioFailed(let error): return "I/O error: \(error)"
    }
  }

  /// Classifies the session's root cause.
  ///
  /// After a quit was announced, any way the socket can end counts as QEMU quitting: a
  /// command written just after the reply to `quit` can meet a closed socket, and then the
  /// first failure is a reset or a write on a closed channel rather than a clean EOF.
  static func from(_ error: any Error, quitAnnounced: Bool) -> DisconnectReason {
    if error is PeerClosedError { return quitAnnounced ? .peerQuit : .endOfFile }
    if quitAnnounced && (error is IOError || error is ChannelError) { return .peerQuit }
    if let error = error as? QMPClientError {
      switch error {
      case .truncatedMessage, .messageTooLarge: return .decodeFailed(error)
      default: break
      }
    }
    return .ioFailed(error)
  }
}
