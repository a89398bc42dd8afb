import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// One live connection of a session: the channel, its inbound buffer, the outbound queue, the
/// handshake mailbox, the writer task and the first failure seen on it.
///
/// A session gets a new link for every connect, so tasks of an old connection that are still
/// winding down can never touch the next one.
final class Link<Message: Sendable>: Sendable {
  /// The reader's side of the channel's pipeline.
  let inbound: InboundBuffer<Message>
  var channel: any Channel { inbound.channel }
  let queue: OutboundQueue<Message>
  let mailbox = HandshakeMailbox<Message>()
  private let stoppedFlag = Atomic<Bool>(false)
  private let readerDone = Atomic<Bool>(false)
  private let firstFailure = NIOLockedValueBox<(any Error)?>(nil)
  private let writer = NIOLockedValueBox<Task<Void, Never>?>(nil)
  private let pendingWrite = NIOLockedValueBox<EventLoopFuture<Void>?>(nil)

  init(inbound: InboundBuffer<Message>, queueLimit: Int) {
    self.inbound = inbound
    self.queue = OutboundQueue(limit: queueLimit)
  }

  /// Set when the owner tears the link down: the reader stops delivering and later errors are
  /// consequences, not causes.
  var isStopped: Bool { stoppedFlag.load(ordering: .acquiring) }

  /// Set by the reader once it has handed over its last message and is about to report how
  /// it ended.
  var readerFinished: Bool {
    get { readerDone.load(ordering: .acquiring) }
    set { readerDone.store(newValue, ordering: .releasing) }
  }

  /// The newest write handed to the channel. Writes complete in order, so once it has, every
  /// earlier one has too: the writer waits for it when NIO's buffer is full and before it
  /// ends (the flush of a normal disconnect), not after every write.
  var lastWrite: EventLoopFuture<Void>? {
    get { pendingWrite.withLockedValue { $0 } }
    set { pendingWrite.withLockedValue { $0 = newValue } }
  }

  /// The root cause, if anything failed.
  var failure: (any Error)? { firstFailure.withLockedValue { $0 } }

  /// Keeps `error` unless an earlier failure is already known (later errors are usually
  /// caused by the first one and must not mask it).
  func record(_ error: any Error) {
    firstFailure.withLockedValue { if $0 == nil { $0 = error } }
  }

  func startWriter(_ task: Task<Void, Never>) {
    writer.withLockedValue { $0 = task }
  }

  func writerFinished() async {
    await writer.withLockedValue { $0 }?.value
  }

  /// Stops everything without flushing: waiting senders and the handshake are woken, the
  /// channel is closed (which ends the reader).
  func stop() {
    stoppedFlag.store(true, ordering: .releasing)
    abandon()
  }

  /// Drops queued output and closes the channel (the error path).
  func abandon() {
    queue.fail(SessionClosedError())
    mailbox.close(with: failure ?? SessionClosedError())
    channel.close(promise: nil)
  }
}
