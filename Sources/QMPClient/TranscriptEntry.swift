import QMPCodec

/// One inbound item, for a transcript that shows everything in wire order.
public enum TranscriptEntry: Sendable {
  /// How a reply was handled.
  public enum ReplyDisposition: Sendable, Hashable {
    /// Handed to the command that was waiting for it.
    case delivered
    /// Its command had already given up (timeout or cancellation): dropped.
    case late
    /// No command ever used its id (or it had none): dropped.
    case unmatched
  }

  /// The greeting (QMP mode; read during the handshake).
  case greeting(QMPGreeting)
  case event(QMPEvent)
  case reply(QMPReply, ReplyDisposition)
  case warning(ProtocolWarning)
  /// This many entries were dropped here because the transcript's buffer was full.
  case dropped(Int)
  /// The connection ended; the last entry of the transcript.
  case disconnected(DisconnectReason)
}

/// Every inbound item in wire order (see ``TranscriptEntry``), from the moment it was created
/// until the current (or next) connection ends. Bounded: see ``OverflowPolicy``.
///
/// Read it from one task at a time. Dropping it (and its iterator) unsubscribes.
public struct TranscriptSubscription: AsyncSequence, Sendable {
  public typealias Element = TranscriptEntry

  let handle: SubscriptionHandle<TranscriptEntry>

  /// Entries dropped so far because the buffer was full (``OverflowPolicy/dropOldest``).
  public var droppedCount: Int { handle.buffer.droppedCount }

  /// Stops the subscription now.
  public func cancel() { handle.cancel() }

  /// Every entry buffered so far, in order (at least one; waits for it); empty once the
  /// transcript has ended and was read to the end, or when the calling task is cancelled.
  ///
  /// For consumers that write out what they read: taking a burst at once costs one wake-up
  /// and lets them make one write of it, where ``Iterator/next()`` costs both per entry (an
  /// event flood is a million entries). Pass the previous batch as `spare` to reuse its
  /// storage. Do not mix with an iterator running at the same time: one reader at a time.
  public func nextBatch(reusing spare: [TranscriptEntry] = []) async -> [TranscriptEntry] {
    await handle.buffer.nextBatch(reusing: spare)
  }

  /// While this subscription's reader waits in ``nextBatch(reusing:)`` with nothing
  /// buffered, entries go to `handler` at once, on the thread that read them (the client's
  /// event loop), instead of waking the reader: a lock-step reply is then handled in the loop
  /// tick that read it. Entries stay in order and never go to both at once: what arrives
  /// while the handler runs waits for the reader. The handler must not block for long (it
  /// holds up the connection); it returns false to end the subscription, like ``cancel()``.
  /// `nil` removes it.
  public func handleImmediately(_ handler: (@Sendable ([TranscriptEntry]) -> Bool)?) {
    handle.buffer.handleImmediately(handler)
  }

  public func makeAsyncIterator() -> Iterator { Iterator(handle: handle) }

  public struct Iterator: AsyncIteratorProtocol {
    let handle: SubscriptionHandle<TranscriptEntry>

    public mutating func next() async -> TranscriptEntry? { await handle.buffer.next() }
  }
}
