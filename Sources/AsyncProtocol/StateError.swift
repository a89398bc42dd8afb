/// An operation was called in a runstate that does not allow it.
public struct StateError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The runstate the session was in.
  public let current: Runstate
  /// The runstate the operation needs.
  public let required: Runstate

  public init(current: Runstate, required: Runstate) {
    self.current = current
    self.required = required
  }

  public var description: String {
    let hint: String
    switch current {
    case .idle: hint = "the session is not connected"
    case .connecting: hint = "the session is currently connecting"
    case .running: hint = "the session is already connected and running"
    case .disconnecting:
      hint = "the session is disconnecting; call disconnect() to return to idle"
    }
    return "\(hint) (state \(current), requires \(required))"
  }
}
