import QMPCodec

/// Which way a message crossed the wire.
public enum WireDirection: Sendable, Hashable {
  case sent
  case received
}

extension QMPClient {
  /// Calls `observer` with every JSON message sent and received, in the order the session
  /// handles them, including the client's own traffic (negotiation, ids it added). For wire
  /// logs (`qmp-shell -l FILE`); set it before connecting to see the greeting. `nil` removes it.
  ///
  /// The observer runs on the session's I/O paths: keep it short and never block.
  public func observeWire(_ observer: (@Sendable (WireDirection, JSONValue) -> Void)?) {
    guard let observer else {
      session.setInboundHook(nil)
      session.setOutboundHook(nil)
      return
    }
    session.setInboundHook { message in
      switch message {
      case .json(let value): observer(.received, value)
      case .event(let event): observer(.received, event.json)
      case .resetMarker, .malformed, .raw: break
      }
      return message
    }
    session.setOutboundHook { message in
      if case .json(let value) = message { observer(.sent, value) }
      return message
    }
  }
}
