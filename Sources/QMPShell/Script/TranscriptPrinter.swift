import NIOConcurrencyHelpers
import QMPClient
import QMPCodec

/// The one task that writes a session's inbound traffic to stdout, in wire order.
///
/// Replies and events are printed from the client's transcript, never from the command's own
/// return, so an event that QEMU sent before a reply is printed before it. The runner waits
/// for ``waitUntilPrinted(_:)`` before the next command, which makes the output of a lock-step
/// script deterministic and guarantees that nothing that arrived is lost at exit.
final class TranscriptPrinter: Sendable {
  private struct State {
    /// Announced ids, and whether the user wrote the id (shown) or the shell made it (hidden).
    var expected: [JSONValue: Bool] = [:]
    var printed: Set<JSONValue> = []
    var printWaiters: [JSONValue: CheckedContinuation<Bool, Never>] = [:]
    var matchedEvent: QMPEvent?
    var matchWaiter: CheckedContinuation<QMPEvent?, Never>?
    var ended = false
    var endReason: DisconnectReason?
    var outputClosed = false
  }

  private let state = NIOLockedValueBox(State())
  /// Buffers ``printBatch(_:)`` reuses: the output of one batch and the ids it printed.
  private let scratch = NIOLockedValueBox(Scratch())

  private struct Scratch {
    var bytes: [UInt8] = []
    var printedIDs: [JSONValue] = []
  }
  private let formatter: MessageFormatter
  private let output: PrinterOutput
  /// The `--wait-event` filter; only the printing task reads it.
  private let eventFilter: EventFilter?

  init(formatter: MessageFormatter, output: PrinterOutput, waitFor filter: EventFilter? = nil) {
    self.formatter = formatter
    self.output = output
    self.eventFilter = filter
  }

  /// Why the connection ended, once the transcript said so.
  var endReason: DisconnectReason? { state.withLock { $0.endReason } }

  /// Whether stdout was closed by its reader (the run should end quietly).
  var outputClosed: Bool { state.withLock { $0.outputClosed } }

  /// Announces a command's id before it is sent: only replies to announced ids are printed
  /// (the shell's own commands, like the schema fetch, stay silent).
  /// Ids the shell made up are left out of the printed reply: the user never typed them.
  func expect(_ id: JSONValue, showID: Bool) {
    state.withLock { $0.expected[id] = showID }
  }

  /// Withdraws an announced id whose command will not get its reply printed (it failed or
  /// timed out), so a late reply is not printed as if it were current.
  func forget(_ id: JSONValue) {
    state.withLock { state in
      state.expected[id] = nil
      state.printed.remove(id)
    }
  }

  /// Waits until the reply with `id` has been written; false if the transcript ended first.
  func waitUntilPrinted(_ id: JSONValue) async -> Bool {
    await withCheckedContinuation { continuation in
      let immediate: Bool? = state.withLock { state in
        if state.printed.remove(id) != nil { return true }
        if state.ended || state.outputClosed { return false }
        state.printWaiters[id] = continuation
        return nil
      }
      if let immediate { continuation.resume(returning: immediate) }
    }
  }

  /// The first event that matched the `--wait-event` filter since the transcript began;
  /// waits for it. Nil if the connection ended (or the wait was cancelled) first.
  func waitForMatch() async -> QMPEvent? {
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let immediate: QMPEvent?? = state.withLock { state in
          if let event = state.matchedEvent { return .some(event) }
          if state.ended || state.outputClosed || Task.isCancelled { return .some(nil) }
          state.matchWaiter = continuation
          return .none
        }
        if let immediate { continuation.resume(returning: immediate) }
      }
    } onCancel: {
      let waiter = state.withLock { state in
        defer { state.matchWaiter = nil }
        return state.matchWaiter
      }
      waiter?.resume(returning: nil)
    }
  }

  /// Prints every entry until the transcript ends.
  ///
  /// Entries are taken in batches (whatever arrived while the previous batch was written) and
  /// each batch's output goes out in one write: an event flood then costs one wake-up and one
  /// `write(2)` per burst instead of per event. Waiters learn that their reply (or event) was
  /// printed only after the write that holds it.
  ///
  /// What arrives while this task waits is printed right where it was read, on the client's
  /// event loop (see `TranscriptSubscription.handleImmediately`): a lock-step command's reply
  /// then costs no wake-up of this task. The transcript never hands entries to both at once.
  func run(_ transcript: TranscriptSubscription) async {
    transcript.handleImmediately { [self] entries in printBatch(entries) == .more }
    var batch: [TranscriptEntry] = []
    printing: while true {
      batch = await transcript.nextBatch(reusing: batch)
      if batch.isEmpty { break }
      switch printBatch(batch) {
      case .more: continue
      case .ended: break printing
      case .outputClosed:
        transcript.cancel()
        return
      }
    }
    finish(outputClosed: false)
  }

  private enum Progress {
    case more
    /// The transcript's last entry (the connection ended) was printed.
    case ended
    /// Standard output was closed by its reader; the printer has finished.
    case outputClosed
  }

  /// Prints `batch` in one write and tells the waiters; called by one caller at a time (the
  /// printing task, or the transcript's immediate handler while that task waits).
  private func printBatch(_ batch: [TranscriptEntry]) -> Progress {
    // Reused across calls (a flood's batches fill it to 64 KiB); taken out while in use.
    var scratch = self.scratch.withLockedValue { s -> Scratch in
      defer { s = Scratch() }
      return s
    }
    defer {
      scratch.bytes.removeAll(keepingCapacity: true)
      scratch.printedIDs.removeAll(keepingCapacity: true)
      self.scratch.withLockedValue { $0 = scratch }
    }
    // Bound once: an optional struct with a set and a closure, copied per event, cost a
    // retain and a release of each (measured in an event flood).
    let filter = eventFilter
    var matched: QMPEvent?
    var matchFound = filter != nil && state.withLock { $0.matchedEvent != nil }
    var progress = Progress.more
    for entry in batch {
      switch entry {
      case .greeting:
        break
      case .event(let event):
        if matched == nil, !matchFound, filter?.matches(event) == true {
          matched = event
          matchFound = true
          // The awaited event is printed even when other events are not.
          formatter.appendAlways(event: event, to: &scratch.bytes)
        } else {
          formatter.append(event: event, to: &scratch.bytes)
        }
      case .reply(let reply, let disposition):
        switch disposition {
        case .delivered:
          guard let id = reply.id,
            let showID = state.withLock({ $0.expected.removeValue(forKey: id) })
          else { break }
          if showID {
            formatter.append(reply: reply, to: &scratch.bytes)
          } else {
            var shown = reply
            if case .object(var object) = shown.json {
              object["id"] = nil
              shown.json = .object(object)
            }
            formatter.append(reply: shown, to: &scratch.bytes)
          }
          scratch.printedIDs.append(id)
        case .late:
          guard flush(&scratch.bytes) else { return .outputClosed }
          output.warn("late reply (its command had stopped waiting): \(reply.json.serialized())")
        case .unmatched:
          guard flush(&scratch.bytes) else { return .outputClosed }
          output.warn("dropped a reply with an unknown id: \(reply.json.serialized())")
        }
      case .warning(let warning):
        guard flush(&scratch.bytes) else { return .outputClosed }
        output.warn("\(warning)")
      case .dropped(let count):
        guard flush(&scratch.bytes) else { return .outputClosed }
        output.warn("\(count) messages were dropped: output could not keep up")
      case .disconnected(let reason):
        state.withLock { $0.endReason = reason }
        progress = .ended
      }
      if progress == .ended { break }
    }
    guard flush(&scratch.bytes) else { return .outputClosed }
    for id in scratch.printedIDs { markPrinted(id) }
    if let matched { resolveMatch(matched) }
    return progress
  }

  /// Writes what `bytes` holds (if anything) and empties it; false (after ending the
  /// printer) when the output was closed.
  private func flush(_ bytes: inout [UInt8]) -> Bool {
    guard !bytes.isEmpty else { return true }
    defer { bytes.removeAll(keepingCapacity: true) }
    do {
      try output.write(bytes)
      return true
    } catch {
      finish(outputClosed: true)
      return false
    }
  }

  private func markPrinted(_ id: JSONValue) {
    let waiter: CheckedContinuation<Bool, Never>? = state.withLock { state in
      if let waiter = state.printWaiters.removeValue(forKey: id) { return waiter }
      state.printed.insert(id)
      return nil
    }
    waiter?.resume(returning: true)
  }

  private func resolveMatch(_ event: QMPEvent) {
    let waiter = state.withLock { state in
      state.matchedEvent = event
      defer { state.matchWaiter = nil }
      return state.matchWaiter
    }
    waiter?.resume(returning: event)
  }

  private func finish(outputClosed: Bool) {
    let (printWaiters, matchWaiter) = state.withLock { state in
      state.ended = true
      if outputClosed { state.outputClosed = true }
      defer {
        state.printWaiters = [:]
        state.matchWaiter = nil
      }
      return (Array(state.printWaiters.values), state.matchWaiter)
    }
    for waiter in printWaiters { waiter.resume(returning: false) }
    matchWaiter?.resume(returning: nil)
  }
}
