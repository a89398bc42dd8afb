/// What the handshake hook talks through before the session starts running (QMP: read the
/// greeting, negotiate capabilities).
///
/// Both directions pass through the session's hooks and wire logging like any other message.
/// The public initializer lets an owner test its handshake against a scripted peer without a
/// socket.
public struct HandshakeChannel<Message: Sendable>: Sendable {
  private let receiveMessage: @Sendable () async throws -> Message
  private let sendMessage: @Sendable (Message) async throws -> Void

  public init(
    receive: @escaping @Sendable () async throws -> Message,
    send: @escaping @Sendable (Message) async throws -> Void
  ) {
    self.receiveMessage = receive
    self.sendMessage = send
  }

  /// The next message from the peer.
  /// - Throws: ``PeerClosedError`` at end-of-file, the decoder's error if the input is bad,
  ///   `CancellationError` when the connect is cancelled or times out.
  public func receive() async throws -> Message {
    try await receiveMessage()
  }

  /// Queues `message` for the peer (in order with later sends).
  public func send(_ message: Message) async throws {
    try await sendMessage(message)
  }
}
