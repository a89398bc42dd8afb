import QMPCodec

/// Something odd on the wire that did not end the session. Each is logged and appears in the
/// transcript, in wire order.
public enum ProtocolWarning: Sendable, Hashable, CustomStringConvertible {
  /// An error reply without an id: QEMU could not parse some input. Never taken as the reply
  /// to a pending command.
  case idlessError(QMPError)
  /// Bytes that were not valid JSON; the decoder skipped them.
  case malformedMessage(JSONStreamError)
  /// Valid JSON that is neither a reply nor an event (or a second greeting).
  case unexpectedMessage(JSONValue, reason: String)
  /// A 0xFF byte from a QMP peer (only the guest agent sends it, after a sync).
  case unexpectedResetMarker

  public var description: String {
    switch self {
    case .idlessError(let error): return "error without id from peer: \(error)"
    case .malformedMessage(let error): return "\(error)"
    case .unexpectedMessage(let json, let reason):
      return "unexpected message (\(reason)): \(json.serialized())"
    case .unexpectedResetMarker: return "unexpected 0xFF byte from a QMP peer"
    }
  }
}
