import QMPCodec

/// Everything the client itself can fail with. QMP's own errors (a reply with `error`) are
/// thrown as `QMPError` instead, so callers can tell "QEMU said no" from "no answer".
public enum QMPClientError: Error, Sendable, CustomStringConvertible {
  /// The client is not connected (never was, or the connection is gone).
  case notConnected
  /// The connection ended before the reply arrived; says why.
  case connectionLost(DisconnectReason)
  /// No reply within the command's timeout. A reply that arrives later is logged and dropped.
  case timedOut(command: String, after: Duration)
  /// The first message was not a usable QMP greeting.
  case invalidGreeting(String)
  /// `qmp_capabilities` failed (or the peer answered something else).
  case negotiationFailed(String)
  /// `send(_:)` was given an id that a command still waiting for its reply already uses.
  case duplicateID(JSONValue)
  /// `exec-oob` was asked for but out-of-band execution was not negotiated.
  case outOfBandNotEnabled(command: String)
  /// The guest agent did not answer `guest-sync-delimited` as expected.
  case syncFailed(String)
  /// A message larger than the configured maximum arrived; the session ends.
  case messageTooLarge(JSONStreamError)
  /// End-of-file in the middle of a message; the session ends.
  case truncatedMessage(JSONStreamError)
  /// A message that cannot be written.
  case cannotEncode(String)
  /// No matching event within the timeout.
  case eventTimedOut(after: Duration)
  /// The handshake timed out waiting for the peer's first word (QMP greeting or the guest
  /// agent's sync reply).
  case handshakeTimedOut(mode: QMPClient.Mode, after: Duration)

  public var description: String {
    switch self {
    case .notConnected:
      return "not connected to a QMP peer"
    case .connectionLost(let reason):
      return "connection lost: \(reason)"
    case .timedOut(let command, let after):
      return "command \(command) got no reply within \(after)"
    case .invalidGreeting(let why):
      return "invalid QMP greeting: \(why)"
    case .negotiationFailed(let why):
      return "capabilities negotiation failed: \(why)"
    case .duplicateID(let id):
      return "id \(id.serialized()) is already used by a command that is waiting for its reply"
    case .outOfBandNotEnabled(let command):
      return "cannot run \(command) out-of-band: oob was not negotiated with the peer"
    case .syncFailed(let why):
      return "guest agent synchronisation failed: \(why)"
    case .messageTooLarge(let error):
      return "\(error)"
    case .truncatedMessage(let error):
      return "connection closed in the middle of a message (\(error))"
    case .cannotEncode(let what):
      return "cannot send \(what)"
    case .eventTimedOut(let after):
      return "no matching event within \(after)"
    case .handshakeTimedOut(.qmp, let after):
      return "no QMP greeting within \(after) (is another client connected to this monitor, "
        + "or is it not a QMP socket?)"
    case .handshakeTimedOut(.guestAgent, let after):
      return "the guest agent did not answer guest-sync-delimited within \(after) "
        + "(is the agent running in the guest, and is this its socket?)"
    }
  }
}
