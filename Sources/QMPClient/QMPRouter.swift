import AsyncProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import QMPCodec

/// The client's inbound side: matches replies to waiting commands by id, fans events out to
/// subscribers, keeps the transcript, and fails everything at once when the connection ends.
///
/// The session's reader calls ``handle(_:)`` with the messages of each read (and with its
/// failure), in wire order, and awaits it; that is what keeps transcripts in order and lets
/// a `.suspendReader` subscriber hold the reader back.
final class QMPRouter: Sendable {
  enum Phase {
    case idle
    case connecting
    case connected
    case ended(DisconnectReason)
  }

  /// Where one command's reply is.
  enum Slot {
    /// Sent (or about to be), nobody waiting yet.
    case registered
    case waiting(CheckedContinuation<QMPReply, any Error>)
    /// The reply came before its caller started waiting.
    case arrived(QMPReply)
    /// Failed (timeout, cancellation, connection lost) before its caller started waiting.
    case failed(any Error)
  }

  struct State {
    var phase = Phase.idle
    var pending: [JSONValue: Slot] = [:]
    /// Ids whose callers gave up, so a reply for them is "late" rather than "unmatched".
    var abandoned: Set<JSONValue> = []
    var abandonedOrder: [JSONValue] = []
    var nextID: UInt64 = 0
    var events: [UInt64: (filter: EventFilter, buffer: SubscriberBuffer<QMPEvent>)] = [:]
    var transcripts: [UInt64: SubscriberBuffer<TranscriptEntry>] = [:]
    var nextSubscriber: UInt64 = 0
    var greeting: QMPGreeting?
    var oobEnabled = false
    var quitAnnounced = false
    var needsResync = false
    var warnings = 0
    /// Why the last connection ended (kept after `disconnect()` returns to idle).
    var lastReason: DisconnectReason?
    /// Callers that learned the session is going down and wait for the reason.
    var endWaiters: [UInt64: CheckedContinuation<DisconnectReason?, Never>] = [:]
    var nextEndWaiter: UInt64 = 0

    mutating func abandon(_ id: JSONValue) {
      guard abandoned.insert(id).inserted else { return }
      abandonedOrder.append(id)
      if abandonedOrder.count > 4096 {
        abandoned.remove(abandonedOrder.removeFirst())
      }
    }
  }

  let mode: QMPClient.Mode
  let logger: Logger
  /// Runs the reply timers (the session's loop, see ``QMPClient``).
  let eventLoop: any EventLoop
  let state = NIOLockedValueBox(State())

  init(mode: QMPClient.Mode, logger: Logger, eventLoop: any EventLoop) {
    self.mode = mode
    self.logger = logger
    self.eventLoop = eventLoop
  }

  // MARK: - Connection life cycle

  func beginConnecting() {
    state.withLock { state in
      state.phase = .connecting
      state.lastReason = nil
      state.greeting = nil
      state.oobEnabled = false
      state.quitAnnounced = false
      state.needsResync = false
      state.abandoned = []
      state.abandonedOrder = []
    }
  }

  /// The handshake finished; commands may be registered. False if the connection already
  /// ended in the meantime.
  @discardableResult
  func markConnected() -> Bool {
    state.withLock { state in
      guard case .connecting = state.phase else { return false }
      state.phase = .connected
      return true
    }
  }

  /// A connect attempt failed: back to idle, subscriptions stay for the next attempt.
  func connectFailed() {
    state.withLock { state in
      if case .connecting = state.phase { state.phase = .idle }
    }
  }

  var reason: DisconnectReason? {
    state.withLock { state in
      if case .ended(let reason) = state.phase { return reason }
      return nil
    }
  }

  /// The reason the connection ended, waiting up to `limit` for it: the session stops
  /// accepting commands a moment before its failure reaches the router.
  func endReason(within limit: Duration) async -> DisconnectReason? {
    let key = state.withLock { state -> UInt64 in
      state.nextEndWaiter += 1
      return state.nextEndWaiter
    }
    let timer = Task { [self] in
      try? await Task.sleep(for: limit)
      let waiter = state.withLock { $0.endWaiters.removeValue(forKey: key) }
      waiter?.resume(returning: nil)
    }
    defer { timer.cancel() }
    return await withCheckedContinuation { continuation in
      let now = state.withLock { state -> DisconnectReason?? in
        if case .ended(let reason) = state.phase { return .some(reason) }
        if case .idle = state.phase { return .some(state.lastReason) }
        state.endWaiters[key] = continuation
        return .none
      }
      if let now { continuation.resume(returning: now) }
    }
  }

  var isConnected: Bool {
    state.withLock { state in
      if case .connected = state.phase { return true }
      return false
    }
  }

  /// The connection is over: every waiting command fails now with the reason, transcripts get
  /// their last entry, and every subscription ends. Only the first call counts.
  func end(_ reason: DisconnectReason) {
    let ended = state.withLock {
      state -> (
        waiters: [CheckedContinuation<QMPReply, any Error>],
        events: [SubscriberBuffer<QMPEvent>], transcripts: [SubscriberBuffer<TranscriptEntry>],
        endWaiters: [CheckedContinuation<DisconnectReason?, Never>]
      )? in
      switch state.phase {
      case .ended, .idle: return nil
      case .connecting, .connected: break
      }
      state.phase = .ended(reason)
      state.lastReason = reason
      let error = QMPClientError.connectionLost(reason)
      var waiters: [CheckedContinuation<QMPReply, any Error>] = []
      for (id, slot) in state.pending {
        switch slot {
        case .waiting(let continuation):
          waiters.append(continuation)
          state.pending[id] = nil
        case .registered:
          state.pending[id] = .failed(error)
        case .arrived, .failed:
          break
        }
      }
      let events = state.events.values.map(\.buffer)
      let transcripts = Array(state.transcripts.values)
      state.events = [:]
      state.transcripts = [:]
      let endWaiters = Array(state.endWaiters.values)
      state.endWaiters = [:]
      return (waiters, events, transcripts, endWaiters)
    }
    guard let ended else { return }
    for waiter in ended.endWaiters { waiter.resume(returning: reason) }
    if reason.isClean {
      logger.info("disconnected: \(reason)")
    } else {
      logger.warning("disconnected: \(reason)")
    }
    for waiter in ended.waiters { waiter.resume(throwing: QMPClientError.connectionLost(reason)) }
    for buffer in ended.events { buffer.finish() }
    // Never waits: a full transcript nobody reads must not block a disconnect.
    for buffer in ended.transcripts { buffer.finish(last: .disconnected(reason)) }
  }

  // MARK: - Commands

  /// Reserves `id` (or a fresh one) for a command about to be sent.
  func register(_ id: JSONValue?, command: String) throws -> JSONValue {
    try state.withLock { state in
      switch state.phase {
      case .connected: break
      case .ended(let reason): throw QMPClientError.connectionLost(reason)
      case .idle, .connecting: throw QMPClientError.notConnected
      }
      if let id {
        guard state.pending[id] == nil else { throw QMPClientError.duplicateID(id) }
        state.pending[id] = .registered
        return id
      }
      while true {
        state.nextID &+= 1
        let fresh = JSONValue.string("q-\(state.nextID)")
        if state.pending[fresh] == nil {
          state.pending[fresh] = .registered
          return fresh
        }
      }
    }
  }

  /// Forgets a command that could not be sent. `mayArrive`: it may have gone out after all (a
  /// timeout raced the send), so a reply for it counts as late, and a guest agent is resynced.
  func discard(_ id: JSONValue, mayArrive: Bool = false) {
    state.withLock { state in
      state.pending[id] = nil
      if mayArrive {
        state.abandon(id)
        if mode == .guestAgent { state.needsResync = true }
      }
    }
  }

  /// Waits for the reply to `id`; fails on timeout, cancellation or the end of the connection.
  /// `timeout` is what is left of the caller's `reported` timeout, which the error names.
  func reply(to id: JSONValue, command: String, timeout: Duration?, reported: Duration?)
    async throws -> QMPReply
  {
    // A timer on the event loop, not a sleeping task: with the caller on that loop too, a
    // reply that beats the timer costs one heap insert and one removal.
    let timer = timeout.map { limit in
      eventLoop.scheduleTask(in: TimeAmount(max(limit, .zero))) { [self] in
        giveUp(id, error: QMPClientError.timedOut(command: command, after: reported ?? limit))
      }
    }
    defer { timer?.cancel() }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<QMPReply, any Error>) in
        let now = state.withLock { state -> Result<QMPReply, any Error>? in
          switch state.pending[id] {
          case .registered?:
            state.pending[id] = .waiting(continuation)
            return nil
          case .arrived(let reply)?:
            state.pending[id] = nil
            return .success(reply)
          case .failed(let error)?:
            state.pending[id] = nil
            return .failure(error)
          case .waiting?, nil:
            return .failure(QMPClientError.duplicateID(id))
          }
        }
        if let now { continuation.resume(with: now) }
      }
    } onCancel: {
      giveUp(id, error: CancellationError())
    }
  }

  /// The caller stops waiting for `id`; its reply, if it still comes, is logged as late.
  func giveUp(_ id: JSONValue, error: any Error) {
    let waiter = state.withLock { state -> CheckedContinuation<QMPReply, any Error>? in
      switch state.pending[id] {
      case .waiting(let continuation)?:
        state.pending[id] = nil
        state.abandon(id)
        if case .timedOut = error as? QMPClientError, mode == .guestAgent {
          state.needsResync = true
        }
        return continuation
      case .registered?:
        state.pending[id] = .failed(error)
        state.abandon(id)
        return nil
      default:
        return nil
      }
    }
    waiter?.resume(throwing: error)
  }

  /// For commands without a success reply: takes the reply if one came, else abandons `id`.
  func takeReplyIfArrived(_ id: JSONValue) -> QMPReply? {
    state.withLock { state in
      defer {
        state.pending[id] = nil
        state.abandon(id)
      }
      if case .arrived(let reply)? = state.pending[id] { return reply }
      return nil
    }
  }

  // MARK: - Inbound

  func handle(_ event: SessionEvent<QMPWireCodec.Message>) async {
    if case .message(.event(let event)) = event, deliverNow(event) { return }
    switch event {
    case .failed(let error):
      let quit = state.withLock { $0.quitAnnounced }
      end(DisconnectReason.from(error, quitAnnounced: quit))
    case .message(.json(let json)):
      await handle(json)
    case .message(.event(let event)):
      await deliver(event)
    case .message(.resetMarker):
      if mode == .qmp { await warn(.unexpectedResetMarker) }
    case .message(.malformed(let error)):
      await warn(.malformedMessage(error))
    case .message(.raw):
      break
    }
  }

  /// The messages of one socket read, in order. A run of events that only a transcript (or
  /// nobody) listens to is handed over in one step: one router lock and one buffer lock for
  /// the run instead of an async call and two locks per event, which is what an event flood
  /// costs. Everything else goes through ``handle(_:)`` one message at a time.
  func handle(_ messages: ArraySlice<QMPWireCodec.Message>) async {
    var index = messages.startIndex
    while index < messages.endIndex {
      guard case .event = messages[index] else {
        await handle(.message(messages[index]))
        index += 1
        continue
      }
      var end = index + 1
      while end < messages.endIndex, case .event = messages[end] { end += 1 }
      await deliver(run: messages[index..<end])
      index = end
    }
  }

  /// The messages of one socket read, handled without waiting, from the front, as far as
  /// that goes: events and replies whose subscribers have room (the common case: a lock-step
  /// reply, an event flood printed as it comes). Returns how many it handled; the session
  /// hands the rest to ``handle(_:)-(ArraySlice<QMPWireCodec.Message>)``. Anything unusual
  /// (a warning, a late reply, a full `.suspendReader` buffer) stops it, so that path keeps
  /// its one implementation.
  func handleNow(_ messages: ArraySlice<QMPWireCodec.Message>) -> Int {
    var index = messages.startIndex
    while index < messages.endIndex {
      switch messages[index] {
      case .event:
        var end = index + 1
        while end < messages.endIndex, case .event = messages[end] { end += 1 }
        guard let taken = deliverNow(run: messages[index..<end]) else {
          return index - messages.startIndex
        }
        index += taken
        if index < end { return index - messages.startIndex }
      case .json(let json):
        let handled: Bool
        switch try? QMPMessage(json: json) {
        case .reply(let reply)?: handled = routeNow(reply)
        case .event(let event)?: handled = deliverNow(event)
        case .greeting?, nil: handled = false
        }
        guard handled else { return index - messages.startIndex }
        index += 1
      case .resetMarker, .malformed, .raw:
        return index - messages.startIndex
      }
    }
    return index - messages.startIndex
  }

  /// Offers a run of events to the only transcript (when nobody else listens) without
  /// waiting; how many it took, or nil when event subscribers are there (they need
  /// ``deliver(run:)``).
  private func deliverNow(run: ArraySlice<QMPWireCodec.Message>) -> Int? {
    guard let target = transcript(for: run) else { return nil }
    guard let transcript = target else { return run.count }
    return transcript.offerNow(from: run, Self.transcriptEntry)
  }

  /// Where a run of events goes when only a transcript (or nobody) listens: `.some` of that
  /// transcript (nil: nobody); `.none` when event subscribers must match each event. Notes a
  /// SHUTDOWN in the run either way.
  private func transcript(for run: ArraySlice<QMPWireCodec.Message>)
    -> SubscriberBuffer<TranscriptEntry>??
  {
    var shutdown = false
    for case .event(let event) in run where event.name == "SHUTDOWN" { shutdown = true }
    return state.withLock { state in
      if shutdown { state.quitAnnounced = true }
      guard state.events.isEmpty && state.transcripts.count <= 1 else { return .none }
      return .some(state.transcripts.first?.value)
    }
  }

  /// The transcript entry of an `.event` message (nil for anything else).
  private static func transcriptEntry(_ message: QMPWireCodec.Message) -> TranscriptEntry? {
    guard case .event(let event) = message else { return nil }
    return .event(event)
  }

  /// ``route(_:)`` for the common case, without waiting: a reply its command waits for (or
  /// is about to), with at most one transcript, which has room. False (with nothing done)
  /// for anything else.
  private func routeNow(_ reply: QMPReply) -> Bool {
    guard let id = reply.id else { return false }
    let target = state.withLock { state -> SubscriberBuffer<TranscriptEntry>?? in
      switch state.pending[id] {
      case .registered?, .waiting?: break
      default: return .none
      }
      guard state.transcripts.count <= 1 else { return .none }
      return .some(state.transcripts.first?.value)
    }
    guard let target else { return false }
    if let transcript = target, !transcript.offerNow(.reply(reply, .delivered)) { return false }
    resumeWaiter(for: reply, id: id)
    return true
  }

  /// Delivers a run of `.event` messages (see ``handle(_:)-(ArraySlice<QMPWireCodec.Message>)``).
  private func deliver(run: ArraySlice<QMPWireCodec.Message>) async {
    guard let target = transcript(for: run) else {
      // Event subscribers too: each event is matched against their filters.
      for case .event(let event) in run { await deliver(event) }
      return
    }
    await target?.offer(from: run, Self.transcriptEntry)
  }

  private func handle(_ json: JSONValue) async {
    let message: QMPMessage
    do {
      message = try QMPMessage(json: json)
    } catch {
      await warn(.unexpectedMessage(json, reason: "\(error)"))
      return
    }
    switch message {
    case .event(let event):
      await deliver(event)
    case .reply(let reply):
      await route(reply)
    case .greeting:
      await warn(.unexpectedMessage(json, reason: "a greeting after the session started"))
    }
  }

  /// Delivers `event` without an async call when only transcripts listen and one has room
  /// (an event flood printed by the shell); false when ``deliver(_:)`` must do it.
  private func deliverNow(_ event: QMPEvent) -> Bool {
    let transcript = state.withLock { state -> SubscriberBuffer<TranscriptEntry>?? in
      guard state.events.isEmpty && state.transcripts.count <= 1 else { return .none }
      if event.name == "SHUTDOWN" { state.quitAnnounced = true }
      return .some(state.transcripts.first?.value)
    }
    guard let transcript else { return false }
    return transcript?.offerNow(.event(event)) ?? true
  }

  private func deliver(_ event: QMPEvent) async {
    let (buffers, transcripts, onlyTranscript) = state.withLock {
      state -> (
        [SubscriberBuffer<QMPEvent>], [SubscriberBuffer<TranscriptEntry>],
        SubscriberBuffer<TranscriptEntry>?
      ) in
      if event.name == "SHUTDOWN" { state.quitAnnounced = true }
      // The shell's case during a flood: one transcript, no listeners; no arrays to build.
      if state.events.isEmpty && state.transcripts.count == 1 {
        return ([], [], state.transcripts.first?.value)
      }
      return (
        state.events.values.filter { $0.filter.matches(event) }.map(\.buffer),
        Array(state.transcripts.values), nil
      )
    }
    if let onlyTranscript {
      await onlyTranscript.offer(.event(event))
      return
    }
    for buffer in buffers { await buffer.offer(event) }
    for buffer in transcripts { await buffer.offer(.event(event)) }
  }

  private func route(_ reply: QMPReply) async {
    guard let id = reply.id else {
      if case .failure(let error) = reply.result {
        await warn(.idlessError(error))
      } else {
        logger.warning("dropping a reply without id: \(reply.json.serialized())")
        await record(.reply(reply, .unmatched))
      }
      return
    }
    // The transcript gets the reply before its caller wakes up, so whoever prints from the
    // transcript has it by the time `execute` returns.
    let expected = state.withLock { state -> TranscriptEntry.ReplyDisposition in
      switch state.pending[id] {
      case .registered?, .waiting?: return .delivered
      case .failed?: return .late
      case .arrived?: return .unmatched
      case nil: return state.abandoned.contains(id) ? .late : .unmatched
      }
    }
    switch expected {
    case .delivered: break
    case .late:
      logger.notice("dropping a late reply (its command gave up): \(reply.json.serialized())")
    case .unmatched:
      logger.warning("dropping a reply with an unknown id: \(reply.json.serialized())")
    }
    await record(.reply(reply, expected))
    guard expected == .delivered else { return }
    resumeWaiter(for: reply, id: id)
  }

  /// Hands `reply` to its command (or keeps it for a caller that has not started waiting).
  private func resumeWaiter(for reply: QMPReply, id: JSONValue) {
    let waiter = state.withLock { state -> CheckedContinuation<QMPReply, any Error>? in
      switch state.pending[id] {
      case .registered?:
        state.pending[id] = .arrived(reply)
        return nil
      case .waiting(let continuation)?:
        state.pending[id] = nil
        return continuation
      default:
        // The caller gave up while the transcript took the reply.
        logger.notice(
          "dropping a reply whose command gave up meanwhile: \(reply.json.serialized())")
        return nil
      }
    }
    waiter?.resume(returning: reply)
  }

  func warn(_ warning: ProtocolWarning) async {
    state.withLock { $0.warnings += 1 }
    logger.warning("\(warning)")
    await record(.warning(warning))
  }

  func record(_ entry: TranscriptEntry) async {
    let transcripts = state.withLock { Array($0.transcripts.values) }
    for buffer in transcripts { await buffer.offer(entry) }
  }

  // MARK: - Subscriptions

  func subscribeEvents(_ filter: EventFilter, limit: Int, overflow: OverflowPolicy)
    -> EventSubscription
  {
    let buffer = SubscriberBuffer<QMPEvent>(limit: limit, policy: overflow, dropMarker: nil)
    let key = state.withLock { state -> UInt64 in
      state.nextSubscriber += 1
      state.events[state.nextSubscriber] = (filter, buffer)
      return state.nextSubscriber
    }
    return EventSubscription(
      handle: SubscriptionHandle(buffer: buffer) { [weak self] in
        self?.state.withLock { _ = $0.events.removeValue(forKey: key) }
      })
  }

  func subscribeTranscript(limit: Int, overflow: OverflowPolicy) -> TranscriptSubscription {
    let buffer = SubscriberBuffer<TranscriptEntry>(
      limit: limit, policy: overflow, dropMarker: { .dropped($0) })
    let key = state.withLock { state -> UInt64 in
      state.nextSubscriber += 1
      state.transcripts[state.nextSubscriber] = buffer
      return state.nextSubscriber
    }
    return TranscriptSubscription(
      handle: SubscriptionHandle(buffer: buffer) { [weak self] in
        self?.state.withLock { _ = $0.transcripts.removeValue(forKey: key) }
      })
  }
}
