/// Tunables of a ``ProtocolSession``. Every field has a default that suits QMP.
public struct SessionConfiguration: Sendable {
  /// Shown in the logger label (`<label>.<name>`) and in the session's description, so the
  /// logs of several sessions in one process can be told apart.
  public var name: String?

  /// Bounds the whole of `connect`/`accept`: the transport phase and the handshake. `nil`
  /// waits forever (an accept waiting for QEMU to dial in usually wants that).
  public var connectTimeout: Duration?

  /// How many messages may wait for the writer. `send()` suspends while the queue is full, so
  /// a peer that stops reading slows the sender down instead of growing memory without bound.
  public var outboundQueueLimit: Int

  /// How many socket reads' worth of decoded messages (a read is at most 64 KiB) may wait
  /// for the owner before the session stops reading from the socket; the peer then feels
  /// TCP/UNIX back-pressure instead of this process growing.
  public var inboundBufferLimit: Int

  /// Bounds the flush of a normal `disconnect()`. A peer that stays connected but stops
  /// reading would otherwise hold the flush, and so the owner's exit, forever; after this
  /// long the session closes hard and `disconnect()` throws ``FlushTimeoutError``. `nil`
  /// waits as long as the peer keeps the connection open.
  public var flushTimeout: Duration?

  public init(
    name: String? = nil,
    connectTimeout: Duration? = nil,
    outboundQueueLimit: Int = 1024,
    inboundBufferLimit: Int = 8,
    flushTimeout: Duration? = .seconds(2)
  ) {
    self.name = name
    self.connectTimeout = connectTimeout
    self.outboundQueueLimit = max(1, outboundQueueLimit)
    self.inboundBufferLimit = max(2, inboundBufferLimit)
    self.flushTimeout = flushTimeout
  }
}
