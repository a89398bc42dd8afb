import AsyncProtocol

/// Where a client connects to or listens on: a UNIX socket path or a TCP host and port.
/// `Endpoint(parsing:)` reads the forms users type ("/tmp/qmp.sock", "localhost:4444",
/// "[::1]:4444").
public typealias Endpoint = AsyncProtocol.Endpoint
/// The connection's life cycle: idle → connecting → running → disconnecting → idle.
public typealias Runstate = AsyncProtocol.Runstate

extension QMPClient {
  /// Which dialect the peer speaks.
  public enum Mode: Sendable, Hashable {
    /// QEMU, qemu-storage-daemon: a greeting, capabilities negotiation, events.
    case qmp
    /// qemu-ga: no greeting, no negotiation, no events; the client synchronises with
    /// `guest-sync-delimited` on connect and after a command timed out.
    case guestAgent
  }

  /// What to do after the greeting (QMP mode).
  public enum Negotiation: Sendable, Hashable {
    /// `qmp_capabilities` with `enable: ["oob"]` when the greeting offers oob, plain otherwise.
    case enableOOBWhenOffered
    /// `qmp_capabilities` without arguments.
    case withoutOOB
    /// Read the greeting but send nothing: the caller negotiates (or wants the pre-negotiation
    /// state, where QEMU answers every other command with CommandNotFound).
    case skip
  }

  public struct Configuration: Sendable {
    public var mode: Mode
    public var negotiation: Negotiation
    /// Shown in log labels, to tell several clients apart.
    public var name: String?
    /// Bounds connecting plus the greeting and negotiation (or the guest agent's sync).
    public var connectTimeout: Duration?
    /// The timeout of commands that do not pass their own; nil waits as long as the
    /// connection lasts.
    public var commandTimeout: Duration?
    /// How long the guest agent may take to answer a `guest-sync-delimited`.
    public var syncTimeout: Duration
    /// The largest inbound message; a larger one ends the session with a clear error. QEMU's
    /// own parser limit is 64 MiB.
    public var maximumMessageSize: Int
    /// Commands queued for the socket before `execute` waits.
    public var outboundQueueLimit: Int
    /// Decoded messages held for the router before the client stops reading the socket.
    public var inboundBufferLimit: Int
    /// Guest-agent commands that send no reply when they succeed. The client follows each with
    /// a `guest-sync-delimited`: an error reply that arrives first is the command's failure;
    /// the sync's reply means it was accepted, and the command returns `{}`.
    public var commandsWithoutSuccessReply: Set<String>

    public init(
      mode: Mode = .qmp,
      negotiation: Negotiation = .enableOOBWhenOffered,
      name: String? = nil,
      connectTimeout: Duration? = .seconds(10),
      commandTimeout: Duration? = nil,
      syncTimeout: Duration = .seconds(5),
      maximumMessageSize: Int = 64 * 1024 * 1024,
      outboundQueueLimit: Int = 1024,
      inboundBufferLimit: Int = 256,
      commandsWithoutSuccessReply: Set<String> = [
        "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
      ]
    ) {
      self.mode = mode
      self.negotiation = negotiation
      self.name = name
      self.connectTimeout = connectTimeout
      self.commandTimeout = commandTimeout
      self.syncTimeout = syncTimeout
      self.maximumMessageSize = maximumMessageSize
      self.outboundQueueLimit = outboundQueueLimit
      self.inboundBufferLimit = inboundBufferLimit
      self.commandsWithoutSuccessReply = commandsWithoutSuccessReply
    }
  }
}
