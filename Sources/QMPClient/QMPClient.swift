import AsyncProtocol
import Logging
import NIOCore
import NIOPosix
import QMPCodec

/// A QMP (or qemu-ga) client: connects, greets and negotiates, runs commands from any number
/// of tasks at once (replies are matched by id), and streams events and a wire-order transcript
/// to bounded subscribers.
///
/// ```swift
/// let client = QMPClient()
/// try await client.connect(to: Endpoint(parsing: "/tmp/qmp.sock"))
/// let status = try await client.execute("query-status")
/// try await client.disconnect()
/// ```
///
/// Errors: a QMP error reply is thrown as `QMPError` (class and desc) by ``execute(_:arguments:timeout:outOfBand:)``;
/// everything else as ``QMPClientError``. A lost connection fails every waiting command at
/// once with ``QMPClientError/connectionLost(_:)``, which says why (``DisconnectReason``).
public final class QMPClient: Sendable {
  public let configuration: Configuration
  public let logger: Logger
  private let router: QMPRouter
  let session: ProtocolSession<QMPWireCodec>

  public init(
    configuration: Configuration = Configuration(),
    logger: Logger = Logger(label: "qmp-shell.client")
  ) {
    self.configuration = configuration
    self.logger = logger
    // One loop for the socket, the reader and the command timers: a timer is then a heap
    // entry on the loop that delivers the reply, not a task of its own.
    let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
    let router = QMPRouter(mode: configuration.mode, logger: logger, eventLoop: eventLoop)
    self.router = router
    let handshake: ProtocolSession<QMPWireCodec>.Handshake
    switch configuration.mode {
    case .qmp:
      let negotiation = configuration.negotiation
      handshake = { channel in
        try await QMPHandshake.qmp(channel, negotiation: negotiation, router: router)
      }
    case .guestAgent:
      handshake = { channel in try await QMPHandshake.guestAgent(channel, router: router) }
    }
    session = ProtocolSession(
      codec: QMPWireCodec(maximumMessageSize: configuration.maximumMessageSize),
      configuration: SessionConfiguration(
        name: configuration.name, connectTimeout: configuration.connectTimeout,
        outboundQueueLimit: configuration.outboundQueueLimit,
        inboundBufferLimit: configuration.inboundBufferLimit),
      logger: logger,
      eventLoop: eventLoop,
      handshake: handshake,
      onMessages: { messages in await router.handle(messages) },
      onMessagesNow: { messages in router.handleNow(messages) },
      onEvent: { event in await router.handle(event) })
  }

  // MARK: - Connection

  /// Connects, reads the greeting and negotiates (QMP), or synchronises (guest agent).
  ///
  /// - Throws: `ConnectError` (phase `transport` or `handshake`, with the root cause, e.g.
  ///   ``QMPClientError/invalidGreeting(_:)`` or a timeout); `StateError` if not idle.
  public func connect(to endpoint: Endpoint) async throws {
    router.beginConnecting()
    do {
      try await session.connect(to: endpoint)
    } catch {
      router.connectFailed()
      throw explained(error)
    }
    router.markConnected()
  }

  /// A handshake that timed out before the peer said anything useful gets a hint: the usual
  /// causes are a monitor busy with another client or a socket of the wrong kind.
  private func explained(_ error: any Error) -> any Error {
    guard let error = error as? ConnectError, error.phase == .handshake,
      let timeout = error.underlying as? ConnectTimeoutError
    else { return error }
    switch configuration.mode {
    case .qmp where greeting != nil: return error
    case .qmp, .guestAgent:
      return ConnectError(
        phase: .handshake,
        underlying: QMPClientError.handshakeTimedOut(
          mode: configuration.mode, after: timeout.timeout))
    }
  }

  /// Listens on `endpoint` until the peer dials in (QEMU's `-chardev socket,server=off`), then
  /// continues like ``connect(to:)``. `onListening` gets the bound address (the real port
  /// for TCP port 0).
  public func accept(
    on endpoint: Endpoint, onListening: (@Sendable (Endpoint) async -> Void)? = nil
  ) async throws {
    router.beginConnecting()
    do {
      try await session.accept(on: endpoint, onListening: onListening)
    } catch {
      router.connectFailed()
      throw explained(error)
    }
    router.markConnected()
  }

  /// Ends the connection; idempotent. Queued commands are flushed first on a healthy
  /// connection (AsyncProtocol waits for that without a bound: against a peer that stopped
  /// reading, this returns only once the peer closes). Returns normally for a clean end (by the client, or QEMU quitting as asked);
  /// throws ``QMPClientError/connectionLost(_:)`` if the connection had failed (unexpected EOF,
  /// decode or I/O error). Afterwards the client can connect again.
  public func disconnect() async throws {
    var thrown: (any Error)?
    do {
      try await session.disconnect()
    } catch {
      thrown = error
    }
    if let thrown {
      let quit = router.state.withLock { $0.quitAnnounced }
      router.end(DisconnectReason.from(thrown, quitAnnounced: quit))
    } else {
      router.end(.closedByClient)
    }
    if let reason = router.reason, !reason.isClean {
      router.state.withLock { $0.phase = .idle }
      throw QMPClientError.connectionLost(reason)
    }
    router.state.withLock { $0.phase = .idle }
  }

  /// The greeting of the current connection (nil in guest-agent mode or before connecting).
  public var greeting: QMPGreeting? { router.state.withLock { $0.greeting } }
  /// Whether out-of-band execution was negotiated.
  public var isOOBEnabled: Bool { router.state.withLock { $0.oobEnabled } }
  /// Why the last connection ended; nil while connecting or connected, and before the first
  /// connection. Kept after `disconnect()`.
  public var disconnectReason: DisconnectReason? { router.state.withLock { $0.lastReason } }
  /// How many protocol warnings (id-less errors, malformed messages) arrived so far.
  public var warningCount: Int { router.state.withLock { $0.warnings } }
  public var runstate: Runstate { session.runstate }
  /// The executor of the event loop that owns this client's socket (see
  /// `ProtocolSession.taskExecutor`): a caller that runs lock-step commands from a task with
  /// this preference gets each reply without a thread switch. Never block in such a task.
  public var taskExecutor: any TaskExecutor { session.taskExecutor }
  /// The event loop behind ``taskExecutor``: timers that concern this client's output are
  /// cheapest there (no task, no thread switch).
  public var eventLoop: any EventLoop { session.eventLoop }
  /// The current runstate, then every change.
  public func runstateChanges() -> AsyncStream<Runstate> { session.runstateChanges() }

  // MARK: - Commands

  /// Runs `name` and returns its `return` value.
  ///
  /// - Throws: `QMPError` when QEMU answers with an error; ``QMPClientError`` when there is no
  ///   answer (timeout, connection lost, not connected); `CancellationError` when the calling
  ///   task is cancelled (a reply that comes later is dropped with a log line).
  @discardableResult
  public func execute(
    _ name: String, arguments: JSONObject? = nil, timeout: Duration? = nil,
    outOfBand: Bool = false
  ) async throws -> JSONValue {
    let reply = try await send(
      QMPCommand(name, arguments: arguments, outOfBand: outOfBand), timeout: timeout)
    return try reply.result.get()
  }

  /// Sends a caller-built command and returns the whole reply; an error reply is returned,
  /// not thrown. A command without id gets a fresh one; a caller id that a waiting command
  /// already uses throws ``QMPClientError/duplicateID(_:)``. Use string ids: QEMU echoes ids
  /// re-serialised, so some numbers do not come back equal.
  public func send(_ command: QMPCommand, timeout: Duration? = nil) async throws -> QMPReply {
    if command.outOfBand && !isOOBEnabled {
      throw QMPClientError.outOfBandNotEnabled(command: command.name)
    }
    if configuration.mode == .guestAgent && router.state.withLock({ $0.needsResync }) {
      try await resynchronize()
    }
    return try await transmit(command, timeout: timeout ?? configuration.commandTimeout)
  }

  private func transmit(_ command: QMPCommand, timeout: Duration?) async throws -> QMPReply {
    var command = command
    let id = try router.register(command.id, command: command.name)
    command.id = id
    let announcesQuit: Bool
    switch configuration.mode {
    case .qmp: announcesQuit = command.name == "quit"
    case .guestAgent: announcesQuit = command.name == "guest-shutdown"
    }
    if announcesQuit { router.state.withLock { $0.quitAnnounced = true } }
    let started = ContinuousClock.now
    do {
      try await enqueue(.json(command.json), command: command.name, timeout: timeout)
    } catch {
      let timedOut = error is QMPClientError
      router.discard(id, mayArrive: timedOut)
      if timedOut { throw error }
      throw await sendFailure(error)
    }
    if configuration.mode == .guestAgent
      && configuration.commandsWithoutSuccessReply.contains(command.name)
    {
      return try await awaitAcceptance(of: command, id: id)
    }
    let remaining = timeout.map { $0 - (ContinuousClock.now - started) }
    let reply = try await router.reply(
      to: id, command: command.name, timeout: remaining, reported: timeout)
    if announcesQuit, case .failure = reply.result {
      router.state.withLock { $0.quitAnnounced = false }
    }
    return reply
  }

  /// A guest-agent command that sends no reply on success: follow it with a sync. The agent
  /// handles input in order, so the command's error reply (if any) comes before the sync's
  /// reply. If the connection ends after `guest-shutdown` before the sync is answered, the
  /// shutdown is taken as accepted.
  private func awaitAcceptance(of command: QMPCommand, id: JSONValue) async throws -> QMPReply {
    let accepted = QMPReply(result: .success(.object([:])), id: id)
    do {
      try await synchronize()
    } catch {
      if let reply = router.takeReplyIfArrived(id) { return reply }
      if case QMPClientError.connectionLost(.peerQuit) = error, command.name == "guest-shutdown" {
        return accepted
      }
      throw error
    }
    return router.takeReplyIfArrived(id) ?? accepted
  }

  /// Re-synchronises with the guest agent after a timeout: its parser gets a 0xFF reset and a
  /// reply still on its way is dropped as late.
  private func resynchronize() async throws {
    do {
      try await session.send(.resetMarker)
    } catch {
      throw await sendFailure(error)
    }
    try await synchronize()
    router.state.withLock { $0.needsResync = false }
  }

  private func synchronize() async throws {
    let token = Int64.random(in: 1...Int64.max)
    let reply = try await transmit(
      QMPCommand("guest-sync-delimited", arguments: ["id": .int(token)]),
      timeout: configuration.syncTimeout)
    guard case .success(let value) = reply.result, value == .int(token) else {
      throw QMPClientError.syncFailed(
        "guest-sync-delimited returned \(reply.json.serialized()), expected \(token)")
    }
  }

  /// Hands `message` to the session. The session's queue is bounded, so this waits while a
  /// peer that stops reading has filled it; a timeout bounds that wait too, so a command's
  /// timeout covers the whole round trip. (The session arms that timer only when the queue is
  /// full: a lock-step command with a timeout pays for no task and no timer here.)
  private func enqueue(_ message: QMPWireCodec.Message, command: String, timeout: Duration?)
    async throws
  {
    do {
      try await session.send(message, timeout: timeout)
    } catch let error as SendTimeoutError {
      throw QMPClientError.timedOut(command: command, after: error.timeout)
    }
  }

  private func sendFailure(_ error: any Error) async -> any Error {
    let goingDown: Bool
    if let error = error as? StateError {
      goingDown = error.current == .disconnecting
    } else if error is SessionClosedError {
      goingDown = true
    } else {
      return error
    }
    if let reason = router.reason { return QMPClientError.connectionLost(reason) }
    if goingDown, let reason = await router.endReason(within: .seconds(2)) {
      return QMPClientError.connectionLost(reason)
    }
    return QMPClientError.notConnected
  }

  // MARK: - Events

  /// Events matching `filter`, from now until the current (or next) connection ends.
  ///
  /// Default: 1024 events, ``OverflowPolicy/dropOldest``, so a subscription nobody reads
  /// costs bounded memory and never stalls commands.
  public func events(
    _ filter: EventFilter = .all, bufferLimit: Int = 1024,
    overflow: OverflowPolicy = .dropOldest
  ) -> EventSubscription {
    router.subscribeEvents(filter, limit: bufferLimit, overflow: overflow)
  }

  /// Every inbound item in wire order (events, replies including late and unmatched ones,
  /// warnings, drop markers, and the final disconnect), from now until the current (or next)
  /// connection ends. An event that arrived before a reply comes before it here.
  ///
  /// Default ``OverflowPolicy/dropOldest`` (see there for why); an output that must lose
  /// nothing uses ``OverflowPolicy/suspendReader`` and reads it from its own task.
  public func transcript(bufferLimit: Int = 4096, overflow: OverflowPolicy = .dropOldest)
    -> TranscriptSubscription
  {
    router.subscribeTranscript(limit: bufferLimit, overflow: overflow)
  }

  /// Sends `command` and waits for its reply and then for the first event matching `filter`.
  /// The subscription starts before the command is sent, so an event QEMU emits before the
  /// reply (as it does for `stop` → STOP) is not missed. `timeout` bounds both waits together.
  ///
  /// - Throws: `QMPError` if the command fails (no event is awaited then);
  ///   ``QMPClientError/eventTimedOut(after:)``; ``QMPClientError/connectionLost(_:)``.
  public func executeAndWait(
    _ command: QMPCommand, for filter: EventFilter, timeout: Duration? = nil
  ) async throws -> (reply: QMPReply, event: QMPEvent) {
    let subscription = events(filter)
    let started = ContinuousClock.now
    let reply = try await send(command, timeout: timeout)
    if case .failure(let error) = reply.result { throw error }
    let remaining = timeout.map { $0 - (ContinuousClock.now - started) }
    let event = try await firstEvent(from: subscription, waiting: remaining, reported: timeout)
    return (reply, event)
  }

  /// The next event from `subscription`, waiting at most `timeout` (nil: until the
  /// connection ends).
  public func nextEvent(from subscription: EventSubscription, timeout: Duration?) async throws
    -> QMPEvent
  {
    try await firstEvent(from: subscription, waiting: timeout, reported: timeout)
  }

  /// Waits `timeout` but names `reported` in the error (the caller's whole budget).
  private func firstEvent(
    from subscription: EventSubscription, waiting timeout: Duration?, reported: Duration?
  ) async throws -> QMPEvent {
    let event = try await withThrowingTaskGroup(of: QMPEvent?.self) { group in
      group.addTask {
        var iterator = subscription.makeAsyncIterator()
        return await iterator.next()
      }
      if let timeout {
        group.addTask {
          try await Task.sleep(for: max(timeout, .zero))
          throw QMPClientError.eventTimedOut(after: reported ?? timeout)
        }
      }
      defer { group.cancelAll() }
      return try await group.next() ?? nil
    }
    if let event { return event }
    try Task.checkCancellation()
    throw QMPClientError.connectionLost(router.reason ?? .closedByClient)
  }
}
