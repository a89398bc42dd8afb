import NIOConcurrencyHelpers
import Synchronization

/// Routes inbound messages to the handshake while it runs, and to the owner afterwards.
///
/// The reader task starts as soon as the transport is up, so the handshake does not read the
/// socket itself: the reader hands each message over here, one at a time (a rendezvous, so a
/// chatty peer cannot grow memory during the handshake). When the handshake ends, a message
/// the reader still holds goes to the owner, keeping arrival order.
final class HandshakeMailbox<Message: Sendable>: Sendable {
  /// What the reader should do with a message it offered.
  enum Route {
    /// The handshake took it.
    case consumed
    /// The handshake is over: deliver it to the owner.
    case owner
  }

  private struct Receiver {
    let id: UInt64
    let continuation: CheckedContinuation<Message, any Error>
  }

  private enum ReceiveOutcome {
    case take(Message, CheckedContinuation<Route, Never>)
    case fail(any Error)
    case wait
  }

  private struct State {
    var handshaking = true
    var ended: (any Error)?
    var receiver: Receiver?
    var held: (message: Message, reader: CheckedContinuation<Route, Never>)?
    var nextID: UInt64 = 0
  }

  private let state = NIOLockedValueBox(State())
  private let handshaking = Atomic<Bool>(true)

  /// A lock-free early answer for the reader: once false, every message goes to the owner.
  var isHandshaking: Bool { handshaking.load(ordering: .acquiring) }

  /// Called by the reader for every inbound message, in order.
  func offer(_ message: Message) async -> Route {
    let fast = state.withLockedValue { s -> (Route?, CheckedContinuation<Message, any Error>?) in
      guard s.handshaking else { return (.owner, nil) }
      if s.ended != nil { return (.consumed, nil) }
      if let receiver = s.receiver {
        s.receiver = nil
        return (.consumed, receiver.continuation)
      }
      return (nil, nil)
    }
    if let route = fast.0 {
      fast.1?.resume(returning: message)
      return route
    }
    return await withCheckedContinuation { (reader: CheckedContinuation<Route, Never>) in
      let outcome = state.withLockedValue {
        s -> (Route?, CheckedContinuation<Message, any Error>?) in
        guard s.handshaking else { return (.owner, nil) }
        if s.ended != nil { return (.consumed, nil) }
        if let receiver = s.receiver {
          s.receiver = nil
          return (.consumed, receiver.continuation)
        }
        s.held = (message, reader)
        return (nil, nil)
      }
      if let route = outcome.0 {
        outcome.1?.resume(returning: message)
        reader.resume(returning: route)
      }
    }
  }

  /// The handshake's `receive()`: the next inbound message.
  func receive() async throws -> Message {
    let id = state.withLockedValue { s -> UInt64 in
      s.nextID &+= 1
      return s.nextID
    }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Message, any Error>) in
        let outcome = state.withLockedValue { s -> ReceiveOutcome in
          if Task.isCancelled { return .fail(CancellationError()) }
          if let held = s.held {
            s.held = nil
            return .take(held.message, held.reader)
          }
          if let ended = s.ended { return .fail(ended) }
          if !s.handshaking || s.receiver != nil { return .fail(SessionClosedError()) }
          s.receiver = Receiver(id: id, continuation: continuation)
          return .wait
        }
        switch outcome {
        case .take(let message, let reader):
          reader.resume(returning: .consumed)
          continuation.resume(returning: message)
        case .fail(let error):
          continuation.resume(throwing: error)
        case .wait:
          break
        }
      }
    } onCancel: {
      let receiver = state.withLockedValue { s -> Receiver? in
        guard let receiver = s.receiver, receiver.id == id else { return nil }
        s.receiver = nil
        return receiver
      }
      receiver?.continuation.resume(throwing: CancellationError())
    }
  }

  /// The handshake finished: from now on every message goes to the owner.
  func endHandshake() {
    let (held, receiver) = state.withLockedValue {
      s -> (CheckedContinuation<Route, Never>?, Receiver?) in
      s.handshaking = false
      handshaking.store(false, ordering: .releasing)
      defer {
        s.held = nil
        s.receiver = nil
      }
      return (s.held?.reader, s.receiver)
    }
    held?.resume(returning: .owner)
    receiver?.continuation.resume(throwing: SessionClosedError())
  }

  /// The reader ended (end-of-file or error) or the link is torn down: a pending or later
  /// `receive()` throws `error`, and a message the reader still holds is dropped.
  func close(with error: any Error) {
    let (receiver, held) = state.withLockedValue {
      s -> (Receiver?, CheckedContinuation<Route, Never>?) in
      if s.ended == nil { s.ended = error }
      defer {
        s.receiver = nil
        s.held = nil
      }
      return (s.receiver, s.held?.reader)
    }
    receiver?.continuation.resume(throwing: error)
    held?.resume(returning: .consumed)
  }
}
