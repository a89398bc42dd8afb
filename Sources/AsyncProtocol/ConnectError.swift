/// `connect` or `accept` failed. Says which phase failed and keeps the root cause.
public struct ConnectError: Error, Sendable, CustomStringConvertible {
  /// Where a connection attempt was when it failed.
  public enum Phase: String, Sendable, Hashable, CustomStringConvertible {
    /// Resolving, dialling, binding, listening or waiting for a peer to dial in.
    case transport
    /// The handshake hook (QMP: greeting and capabilities negotiation).
    case handshake

    public var description: String { rawValue }
  }

  public let phase: Phase
  /// The root cause (for example an `IOError`, a ``ConnectTimeoutError`` or a
  /// ``PeerClosedError`` when the peer hung up during the handshake).
  public let underlying: any Error

  public init(phase: Phase, underlying: any Error) {
    self.phase = phase
    self.underlying = underlying
  }

  public var description: String {
    switch phase {
    case .transport: "failed to establish connection: \(underlying)"
    case .handshake: "failed to establish session (handshake): \(underlying)"
    }
  }
}
