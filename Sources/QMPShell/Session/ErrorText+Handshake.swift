import AsyncProtocol
import Glibc
import NIOCore
import QMPClient

extension ErrorText {
  /// Why a connection that was made could not become a session, saying at which step the
  /// peer went away: "connection closed by peer" alone does not tell a socket that closes at
  /// once (another client holds the monitor, a crashing QEMU) from one that dies after it
  /// greeted.
  static func handshake(_ underlying: any Error, client: QMPClient) -> String {
    guard isEndOfFile(underlying) else { return describe(underlying) }
    // A reset or a broken pipe is the same hang-up seen from a read or from our
    // qmp_capabilities write, whichever noticed first: say it the same way.
    let text = underlying is IOError ? PeerClosedError().description : describe(underlying)
    switch client.configuration.mode {
    case .guestAgent:
      return text + " before the guest agent answered guest-sync-delimited"
    case .qmp:
      return client.greeting == nil
        ? text + " before the greeting was complete"
        : text + " during capabilities negotiation"
    }
  }

  private static func isEndOfFile(_ error: any Error) -> Bool {
    if error is PeerClosedError { return true }
    if case .truncatedMessage? = error as? QMPClientError { return true }
    if let error = error as? IOError { return [EPIPE, ECONNRESET].contains(error.errnoCode) }
    return false
  }
}
