import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A full-duplex, message-based session over a stream socket, generic over the message type
/// and its codec. It knows nothing about QMP: the QMP client plugs in a JSON codec and does
/// its greeting and negotiation in the handshake hook.
///
/// Life cycle (see ``Runstate``): `connect`/`accept` go `idle → connecting → running`; the
/// handshake runs while `connecting`. While running, a reader task decodes inbound messages
/// and hands each to `onEvent` in order (awaited: a slow owner makes the session stop reading
/// the socket), and a writer task drains a bounded outbound queue in order. If the reader or
/// writer fails, the session moves to `disconnecting` at once, keeps the first failure as the
/// root cause, reports it once as ``SessionEvent/failed(_:)`` and waits for the owner's
/// `disconnect()`, which rethrows it and returns to `idle`.
public final class ProtocolSession<Codec: MessageCodec>: Sendable, CustomStringConvertible {
  public typealias Message = Codec.Message
  /// Runs after the transport is up and before the session is `running`.
  public typealias Handshake = @Sendable (HandshakeChannel<Message>) async throws -> Void
  /// Receives every ``SessionEvent``, one at a time.
  public typealias EventHandler = @Sendable (SessionEvent<Message>) async -> Void
  /// Receives the messages of one socket read at once (see `init`'s `onMessages`).
  public typealias BatchHandler = @Sendable (ArraySlice<Message>) async -> Void
  /// Handles what it can of a read without waiting; returns how many messages (a prefix) it
  /// took (see `init`'s `onMessagesNow`).
  public typealias ImmediateBatchHandler = @Sendable (ArraySlice<Message>) -> Int
  /// Sees a message and returns it (possibly rewritten), or `nil` to drop it.
  public typealias Hook = @Sendable (Message) -> Message?

  public let configuration: SessionConfiguration
  /// Runs the session's reader and writer on the event loop that owns its socket. Callers
  /// that want lock-step round trips without thread switches run their own tasks here too
  /// (`withTaskExecutorPreference`, `Task(executorPreference:)`), as long as those tasks never
  /// block.
  public var taskExecutor: any TaskExecutor { executor }
  /// The event loop behind ``taskExecutor``: the one the session's sockets live on, where
  /// timers that concern the session are cheapest (no task, no thread switch).
  public var eventLoop: any EventLoop { executor.eventLoop }
  /// Labelled `<given label>.<name>` when the configuration has a name.
  public let logger: Logger
  private let codec: Codec
  private let executor: EventLoopTaskExecutor
  private let handshake: Handshake?
  private let onEvent: EventHandler
  private let onMessages: BatchHandler?
  private let onMessagesNow: ImmediateBatchHandler?
  private let core = NIOLockedValueBox(Core())
  private let hooks = NIOLockedValueBox(Hooks())

  private struct Hooks {
    var inbound: Hook?
    var outbound: Hook?
  }

  private struct Core {
    var runstate = Runstate.idle
    var watchers: [UInt64: AsyncStream<Runstate>.Continuation] = [:]
    var nextWatcherID: UInt64 = 0
    /// The connect or accept under way.
    var attempt: ConnectAttempt?
    /// `disconnect()` was called while connecting: the attempt must not become running.
    var disconnectRequested = false
    var link: Link<Message>?
    /// The owner started a normal disconnect (flush, then close).
    var closingNormally = false
    /// Somebody is tearing the link down; others only wait for `idle`.
    var teardownStarted = false
    /// `.failed` was handed to the owner.
    var failureDelivered = false
  }

  private enum DisconnectPlan {
    case nothing
    case waitForIdle(ConnectAttempt?)
    case tearDown(Link<Message>, flush: Bool)
  }

  private enum Opening {
    case dial(Endpoint)
    case listen(Endpoint, onListening: (@Sendable (Endpoint) async -> Void)?)
  }

  /// - Parameters:
  ///   - onMessages: when given, every message for the owner goes here instead of to
  ///     `onEvent`, in order and after the inbound hook: once the handshake is over, all
  ///     those of a socket read in one call (no per-message `await`); `.failed` still goes
  ///     to `onEvent`. Awaited like `onEvent`, so a slow owner still holds the reader back.
  ///   - onMessagesNow: with `onMessages`, the fast path in front of it: once the handshake is
  ///     over, a read that arrives while everything before it has been handled goes here
  ///     first, on the event loop and in the tick that read it (no task wakes up for it). It
  ///     returns how many messages, from the front, it handled; the rest go to `onMessages` as
  ///     usual, and so does every read while an earlier one is still being handled, so the
  ///     order holds. It must not block. Not used while an inbound hook is installed or the
  ///     logger traces messages.
  ///   - onEvent: every ``SessionEvent`` (only `.failed` when `onMessages` is given).
  public init(
    codec: Codec,
    configuration: SessionConfiguration = .init(),
    logger: Logger = Logger(label: "qmp-shell.protocol"),
    eventLoop: (any EventLoop)? = nil,
    handshake: Handshake? = nil,
    onMessages: BatchHandler? = nil,
    onMessagesNow: ImmediateBatchHandler? = nil,
    onEvent: @escaping EventHandler
  ) {
    self.codec = codec
    self.configuration = configuration
    // One loop for the session's whole life: every connect uses it, so the executor that
    // callers captured stays the loop of the current socket.
    self.executor = EventLoopTaskExecutor(
      eventLoop ?? MultiThreadedEventLoopGroup.singleton.next())
    if let name = configuration.name {
      let handler = logger.handler
      // Keep the caller's handler (and so its destination); the label and a `session`
      // metadata value make this session's lines recognisable.
      var named = Logger(label: "\(logger.label).\(name)", factory: { _ in handler })
      named[metadataKey: "session"] = "\(name)"
      self.logger = named
    } else {
      self.logger = logger
    }
    self.handshake = handshake
    self.onMessages = onMessages
    self.onMessagesNow = onMessages == nil ? nil : onMessagesNow
    self.onEvent = onEvent
  }

  deinit {
    core.withLockedValue { s in
      for watcher in s.watchers.values { watcher.finish() }
      s.link?.stop()
    }
  }

  public var description: String {
    if let name = configuration.name {
      return "ProtocolSession(name: \(name), runstate: \(runstate))"
    }
    return "ProtocolSession(runstate: \(runstate))"
  }

  // MARK: - Runstate

  public var runstate: Runstate { core.withLockedValue { $0.runstate } }

  /// The current runstate first, then every change, in order. Any number of watchers may
  /// listen; a watcher stops being fed when its stream is dropped or its task cancelled.
  /// Changes are buffered without bound, but a session changes state only a few times per
  /// connection.
  public func runstateChanges() -> AsyncStream<Runstate> {
    let (stream, continuation) = AsyncStream<Runstate>.makeStream()
    let id = core.withLockedValue { s -> UInt64 in
      s.nextWatcherID &+= 1
      return s.nextWatcherID
    }
    continuation.onTermination = { [weak self] _ in
      _ = self?.core.withLockedValue { $0.watchers.removeValue(forKey: id) }
    }
    core.withLockedValue { s in
      s.watchers[id] = continuation
      continuation.yield(s.runstate)
    }
    return stream
  }

  private func transition(_ s: inout Core, to new: Runstate) {
    guard s.runstate != new else { return }
    let old = s.runstate
    s.runstate = new
    for watcher in s.watchers.values { watcher.yield(new) }
    switch new {
    case .running, .idle: logger.info("runstate \(old) -> \(new)")
    case .connecting, .disconnecting: logger.debug("runstate \(old) -> \(new)")
    }
  }

  private func waitUntilIdle() async {
    for await state in runstateChanges() where state == .idle { return }
  }

  // MARK: - Hooks

  /// Installs (or with `nil` removes) the hook that sees every inbound message before the
  /// handshake or the owner does.
  public func setInboundHook(_ hook: Hook?) {
    hooks.withLockedValue { $0.inbound = hook }
  }

  /// Installs (or with `nil` removes) the hook that sees every outbound message when it is
  /// sent (before it is queued).
  public func setOutboundHook(_ hook: Hook?) {
    hooks.withLockedValue { $0.outbound = hook }
  }

  // MARK: - Connecting

  /// Connects to `endpoint`, runs the handshake, and starts the reader and writer.
  ///
  /// - Throws: ``StateError`` unless `idle`; ``ConnectError`` (phase and root cause) when the
  ///   transport or the handshake fails or the connect timeout expires; `CancellationError`
  ///   when the calling task is cancelled. After any error the session is `idle` again.
  public func connect(to endpoint: Endpoint) async throws {
    try await open(.dial(endpoint))
  }

  /// Listens on `endpoint`, takes exactly one peer, stops listening (a UNIX socket file is
  /// removed), then continues like ``connect(to:)``.
  ///
  /// - Parameter onListening: called once the listener is bound, with the real address (for
  ///   TCP port 0, the port the system picked), so a peer can be started only then.
  public func accept(
    on endpoint: Endpoint, onListening: (@Sendable (Endpoint) async -> Void)? = nil
  ) async throws {
    try await open(.listen(endpoint, onListening: onListening))
  }

  private func open(_ opening: Opening) async throws {
    let attempt = ConnectAttempt()
    try core.withLockedValue { s in
      guard s.runstate == .idle else {
        throw StateError(current: s.runstate, required: .idle)
      }
      s.attempt = attempt
      s.disconnectRequested = false
      s.closingNormally = false
      s.teardownStarted = false
      s.failureDelivered = false
      transition(&s, to: .connecting)
    }
    switch opening {
    case .dial(let endpoint): logger.debug("connecting to \(endpoint)")
    case .listen(let endpoint, _): logger.debug("waiting for a peer on \(endpoint)")
    }

    // A loop timer, not a sleeping task: with every thread of Swift's global pool busy, a
    // 200 ms timer task ran only after NIO's own 10 s connect timeout had fired.
    let timer = configuration.connectTimeout.map { timeout in
      executor.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
        attempt.abort(.timedOut(timeout))
      }
    }
    defer { timer?.cancel() }

    let link: Link<Message>
    do {
      link = try await withTaskCancellationHandler {
        // On the socket's loop: the handshake's replies then reach it without a thread hop.
        try await attempt.race(
          on: executor, { try await self.establish(opening, attempt: attempt) },
          discard: { link in link.stop() })
      } onCancel: {
        attempt.abort(.cancelled)
      }
    } catch {
      throw failOpening(attempt: attempt, error: error)
    }

    guard attempt.complete() else {
      link.stop()
      throw failOpening(attempt: attempt, error: SessionClosedError())
    }
    let outcome = core.withLockedValue { s -> Result<(any Error)?, any Error> in
      if s.disconnectRequested {
        return .failure(ConnectError(phase: .handshake, underlying: SessionClosedError()))
      }
      s.link = link
      s.attempt = nil
      transition(&s, to: .running)
      link.mailbox.endHandshake()
      if let onMessagesNow {
        // Weak: the link (and through it this closure) lives as long as the session holds it.
        link.inbound.deliverDirectly { [weak self] batch in
          self?.deliverNow(batch, on: link, to: onMessagesNow) ?? 0
        }
      }
      // The handshake succeeded, so the connect did; but the peer may already have hung up
      // (a reader only gets that far once the handshake consumed everything before the
      // end). Report it like any failure while running, so the outcome does not depend on
      // which side of the handshake's end the hang-up landed.
      guard let failure = link.failure else { return .success(nil) }
      transition(&s, to: .disconnecting)
      // A reader that is still running reports it itself, after the messages it holds.
      guard link.readerFinished else { return .success(nil) }
      s.failureDelivered = true
      return .success(failure)
    }
    switch outcome {
    case .failure(let refused):
      link.stop()
      throw failOpening(attempt: attempt, error: refused)
    case .success(let early):
      guard let failure = link.failure else { return }
      logger.debug("session failed during the handshake: \(failure)")
      link.abandon()
      if let early { await onEvent(.failed(early)) }
    }
  }

  /// Brings a failed connect back to `idle` and picks the error to throw.
  private func failOpening(attempt: ConnectAttempt, error: any Error) -> any Error {
    let thrown: any Error
    switch attempt.abortReason ?? (error as? ConnectAttempt.AbortReason) {
    case .cancelled?: thrown = CancellationError()
    case .timedOut(let timeout)?:
      let waitingFor =
        attempt.phase == .transport && attempt.sawFullBacklog
        ? "room in the listener's backlog (another client connected?)" : nil
      thrown = ConnectError(
        phase: attempt.phase,
        underlying: ConnectTimeoutError(timeout: timeout, waitingFor: waitingFor))
    case .disconnected?:
      thrown = ConnectError(phase: attempt.phase, underlying: SessionClosedError())
    case nil:
      thrown = error is ConnectError ? error : ConnectError(phase: attempt.phase, underlying: error)
    }
    logger.debug("connect failed: \(thrown)")
    core.withLockedValue { s in
      transition(&s, to: .disconnecting)
      s.attempt = nil
      transition(&s, to: .idle)
    }
    return thrown
  }

  /// The work of a connect: transport, then reader and writer, then the handshake.
  private func establish(_ opening: Opening, attempt: ConnectAttempt) async throws -> Link<Message>
  {
    let stream: Transport.Stream<Message>
    do {
      switch opening {
      case .dial(let endpoint):
        stream = try await Transport.dial(
          endpoint, on: executor.eventLoop, codec: codec, configuration: configuration,
          attempt: attempt)
      case .listen(let endpoint, let onListening):
        stream = try await Transport.acceptOne(
          endpoint, on: executor.eventLoop, codec: codec, configuration: configuration,
          attempt: attempt, onListening: onListening)
      }
    } catch {
      throw ConnectError(phase: .transport, underlying: error)
    }
    let link = Link<Message>(inbound: stream, queueLimit: configuration.outboundQueueLimit)
    // From here on a failure is the handshake's. (The link reaches the opener through
    // `ConnectAttempt.race`, which hands it over under a lock: see `ResumeOnce`.)
    attempt.phase = .handshake
    link.startWriter(Task(executorPreference: executor) { await self.runWriter(link) })
    Task(executorPreference: executor) { await self.runReader(stream, link: link) }

    if let handshake {
      let channel = HandshakeChannel<Message>(
        receive: { try await link.mailbox.receive() },
        send: { message in try await self.submit(message, to: link) })
      do {
        try await handshake(channel)
      } catch {
        link.stop()
        throw ConnectError(phase: .handshake, underlying: link.failure ?? error)
      }
    }
    return link
  }

  // MARK: - Running

  /// Queues `message` for the writer; suspends while the outbound queue is full.
  ///
  /// - Throws: ``StateError`` unless `running`; ``SessionClosedError`` if the session goes
  ///   down while this call waits for room; `CancellationError` if the caller is cancelled
  ///   while waiting (the message is then not sent).
  public func send(_ message: Message) async throws {
    try await send(message, timeout: nil)
  }

  /// Like ``send(_:)``, but waits at most `timeout` for room in a full queue.
  ///
  /// - Throws: ``SendTimeoutError`` when the queue stayed full that long (the message is not
  ///   sent), and everything ``send(_:)`` throws. A queue with room never waits, so the
  ///   common case costs no timer at all.
  public func send(_ message: Message, timeout: Duration?) async throws {
    let link = try core.withLockedValue { s -> Link<Message> in
      guard s.runstate == .running, let link = s.link else {
        throw StateError(current: s.runstate, required: .running)
      }
      return link
    }
    try await submit(message, to: link, timeout: timeout)
  }

  /// Runs the outbound hook (in the sender's task, so a hook change applies to every later
  /// send) and queues what it returns.
  private func submit(_ message: Message, to link: Link<Message>, timeout: Duration? = nil)
    async throws
  {
    // No key path here: one on this generic type is instantiated at run time on every call
    // (about a tenth of a lock-step command's CPU, measured with perf).
    let hook = hooks.withLockedValue { $0.outbound }
    guard let message = hook.map({ $0(message) }) ?? message else { return }
    // A lock-step caller on the socket's loop writes its command itself when nothing is
    // queued ahead of it and the writer is parked: waking the writer task for it would cost a
    // task switch per command. Writing here, before this job ends, keeps the order: the
    // writer (which also runs on this loop) cannot write anything in between.
    let channel = link.channel
    if channel.eventLoop.inEventLoop, channel.isWritable, link.queue.mayWriteDirectly() {
      do {
        try write(CollectionOfOne(message), on: link)
      } catch {
        writerFailed(link, error: error)
      }
      return
    }
    try await link.queue.enqueue(
      message, closedError: SessionClosedError(),
      timeout: timeout.map { ($0, link.channel.eventLoop) })
  }

  private func runReader(_ inbound: Transport.Stream<Message>, link: Link<Message>) async {
    let report = await readAll(inbound, link: link)
    // The reader owns the channel's end: whatever ended it, the socket closes now.
    try? await inbound.channel.close()
    if let report { await onEvent(.failed(report)) }
  }

  /// Hands every inbound message on, in order, until the stream ends or the link stops.
  /// - Returns: the root cause if the owner is to be told about it.
  private func readAll(_ inbound: Transport.Stream<Message>, link: Link<Message>) async
    -> (any Error)?
  {
    var ending: any Error = PeerClosedError()
    do {
      while let batch = try await inbound.next() {
        let hook = hooks.withLockedValue { $0.inbound }
        for (index, received) in zip(batch.indices, batch) {
          if link.isStopped { return nil }
          if let onMessages, !link.mailbox.isHandshaking {
            await deliver(batch[index...], hook: hook, to: onMessages)
            break
          }
          logger.trace("<-- \(received)")
          guard let message = hook.map({ $0(received) }) ?? received else { continue }
          if link.mailbox.isHandshaking, await link.mailbox.offer(message) == .consumed {
            continue
          }
          if link.isStopped { return nil }
          if let onMessages {
            await onMessages([message][...])
          } else {
            await onEvent(.message(message))
          }
        }
      }
    } catch {
      ending = PeerClosedError.ifHangUp(error)
    }
    link.readerFinished = true
    // Recorded before the reader closes the channel: that close makes a busy writer fail as
    // well, and its error is a consequence that must not pass for the cause.
    return readerEnded(link, error: ending)
  }

  /// The fast path of `onMessagesNow`, on the event loop while the reader waits with nothing
  /// buffered: returns how many messages of `batch` the owner took. None while the link is
  /// stopped (the reader then drops them), or when a hook or trace logging must see them
  /// first (the reader's path does that).
  private func deliverNow(
    _ batch: ArraySlice<Message>, on link: Link<Message>, to handler: ImmediateBatchHandler
  ) -> Int {
    guard !link.isStopped, logger.logLevel > .trace,
      hooks.withLockedValue({ $0.inbound == nil })
    else { return 0 }
    return handler(batch)
  }

  /// Hands the rest of a read to the batch handler in one call: no per-message `await` (and
  /// executor check) on the path an event flood takes.
  private func deliver(_ messages: ArraySlice<Message>, hook: Hook?, to handler: BatchHandler)
    async
  {
    if logger.logLevel <= .trace {
      for message in messages { logger.trace("<-- \(message)") }
    }
    guard let hook else {
      await handler(messages)
      return
    }
    let kept = messages.compactMap(hook)
    if !kept.isEmpty { await handler(kept[...]) }
  }

  /// Records why the reader stopped, moves to `disconnecting` and stops the writer.
  /// - Returns: the root cause if the owner is to be told about it.
  private func readerEnded(_ link: Link<Message>, error: any Error) -> (any Error)? {
    let report = core.withLockedValue { s -> (any Error)? in
      // A link torn down by its owner ends quietly; so does the end of a normal disconnect.
      if link.isStopped { return nil }
      guard s.link === link else {
        // Still connecting: the handshake learns it through the mailbox.
        link.record(error)
        return nil
      }
      if s.closingNormally { return nil }
      link.record(error)
      transition(&s, to: .disconnecting)
      guard !s.teardownStarted, !s.failureDelivered, let failure = link.failure else {
        return nil
      }
      s.failureDelivered = true
      return failure
    }
    if link.isStopped { return nil }
    logger.debug("reader ended: \(link.failure ?? error)")
    link.abandon()
    return report
  }

  private func runWriter(_ link: Link<Message>) async {
    do {
      while let batch = await link.queue.next() {
        do {
          try write(batch, on: link)
        } catch {
          // The messages before the bad one reach the socket before the session fails.
          try? await link.lastWrite?.get()
          throw error
        }
        // Waiting for every write to complete would cost a task switch per batch. NIO holds
        // what the socket did not take yet; only once that passes its high watermark does
        // the writer wait, so the session's outbound bytes stay bounded.
        if !link.channel.isWritable { try await link.lastWrite?.get() }
      }
      // The normal disconnect's flush: everything handed to the channel reached the socket.
      try await link.lastWrite?.get()
    } catch {
      writerFailed(link, error: error)
    }
  }

  /// Encodes `messages` into one buffer and hands it to the channel in one write, without
  /// waiting for it (see ``Link/lastWrite``). Runs on the channel's loop: the writer and the
  /// direct path of ``submit(_:to:timeout:)`` both write there, which is what keeps their
  /// writes in order. Messages before one that fails to encode still go out; none after it.
  private func write(_ messages: some Collection<Message>, on link: Link<Message>) throws {
    var buffer = link.channel.allocator.buffer(capacity: 256)
    var failure: (any Error)?
    for message in messages {
      logger.trace("--> \(message)")
      let mark = buffer.writerIndex
      do {
        try codec.encode(message, into: &buffer)
      } catch {
        buffer.moveWriterIndex(to: mark)
        failure = error
        break
      }
    }
    if buffer.readableBytes > 0 {
      let promise = link.channel.eventLoop.makePromise(of: Void.self)
      link.lastWrite = promise.futureResult
      promise.futureResult.whenFailure { [self] error in writerFailed(link, error: error) }
      link.channel.writeAndFlush(buffer, promise: promise)
    }
    if let failure { throw failure }
  }

  private func writerFailed(_ link: Link<Message>, error: any Error) {
    guard !link.isStopped else { return }
    core.withLockedValue { s in
      link.record(PeerClosedError.ifHangUp(error))
      if s.link === link { transition(&s, to: .disconnecting) }
    }
    logger.debug("writer failed: \(error)")
    // Closing the channel ends the reader, which reports the root cause to the owner.
    link.abandon()
  }

  // MARK: - Disconnecting

  /// Waits for the writer to drain the finished queue, at most `flushTimeout`; past that the
  /// link is stopped (which fails the blocked write) with ``FlushTimeoutError`` as its failure.
  private func drainBounded(_ link: Link<Message>) async {
    guard let timeout = configuration.flushTimeout else {
      await link.writerFinished()
      return
    }
    // A loop timer, not a sleeping task: `Task.sleep` goes through the global executor,
    // whose first timer makes libdispatch start two threads, in a one-shot run that had no
    // other use for them (the whole of `qmp-shell SOCK -c CMD` runs on the session's loop).
    let logger = self.logger
    let timer = executor.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
      // Recorded before the stop, so that it is the failure `disconnect()` throws.
      link.record(FlushTimeoutError(timeout: timeout))
      logger.debug("flush timed out after \(timeout); closing hard")
      link.stop()
    }
    await link.writerFinished()
    timer.cancel()
  }

  /// Ends the session; idempotent and valid in every state.
  ///
  /// - `running`: flushes every queued message, closes, returns to `idle`.
  /// - `disconnecting` after a failure: closes without waiting for the queue, returns to
  ///   `idle`, and throws the root cause (a ``PeerClosedError`` when the peer hung up). Only
  ///   one call throws it; a later call returns normally.
  /// - `connecting`: aborts the attempt (its caller gets a ``ConnectError`` wrapping
  ///   ``SessionClosedError``) and returns once the session is `idle`.
  /// - `idle`: returns at once.
  ///
  /// It does not wait for an `onEvent` call that is in progress, so `onEvent` may call it.
  /// The flush waits for the peer to take the bytes, but no longer than the configuration's
  /// `flushTimeout`: against a peer that neither reads nor hangs up, the session then closes
  /// hard and this throws ``FlushTimeoutError``. Cancelling the calling task abandons the
  /// flush at once.
  public func disconnect() async throws {
    let plan = core.withLockedValue { s -> DisconnectPlan in
      switch s.runstate {
      case .idle:
        return .nothing
      case .connecting:
        s.disconnectRequested = true
        return .waitForIdle(s.attempt)
      case .running, .disconnecting:
        guard !s.teardownStarted, let link = s.link else { return .waitForIdle(nil) }
        s.teardownStarted = true
        let flush = s.runstate == .running
        s.closingNormally = flush
        transition(&s, to: .disconnecting)
        return .tearDown(link, flush: flush)
      }
    }
    switch plan {
    case .nothing:
      return
    case .waitForIdle(let attempt):
      attempt?.abort(.disconnected)
      await waitUntilIdle()
    case .tearDown(let link, let flush):
      if flush {
        logger.debug("flushing the outbound queue")
        link.queue.finish()
        await withTaskCancellationHandler {
          await drainBounded(link)
        } onCancel: {
          link.stop()
        }
      }
      link.stop()
      await link.writerFinished()
      try? await link.channel.closeFuture.get()
      let failure = link.failure
      core.withLockedValue { s in
        s.link = nil
        transition(&s, to: .idle)
      }
      if let failure { throw failure }
    }
  }
}
