import Logging
import NIOEmbedded
import QMPCodec
import Testing

@testable import QMPClient

/// `QMPRouter.handleNow`, the path a read takes on the event loop: what it handles at once,
/// and that it stops, having done nothing, at the first message that needs the waiting path.
@Suite struct RouterImmediateTests {
  private func connectedRouter() -> QMPRouter {
    let router = QMPRouter(
      mode: .qmp, logger: Logger(label: "test"), eventLoop: EmbeddedEventLoop())
    router.beginConnecting()
    router.markConnected()
    return router
  }

  private func event(_ name: String) throws -> QMPWireCodec.Message {
    .event(try QMPEvent(json: ["event": .string(name)]))
  }

  private func reply(_ id: String) -> QMPWireCodec.Message {
    .json(["return": [:], "id": .string(id)])
  }

  @Test func eventsAndAWaitedForReplyAreHandledAtOnceInOrder() async throws {
    let router = connectedRouter()
    let transcript = router.subscribeTranscript(limit: 16, overflow: .suspendReader)
    let id = try router.register(.string("a"), command: "query-status")
    let messages = [try event("STOP"), reply("a"), try event("RESUME")]
    #expect(router.handleNow(messages[...]) == 3)
    let entries = await transcript.nextBatch()
    #expect(entries.count == 3)
    guard entries.count == 3, case .event(let first) = entries[0],
      case .reply(let got, .delivered) = entries[1],
      case .event(let last) = entries[2]
    else { return }
    #expect(first.name == "STOP" && last.name == "RESUME")
    #expect(got.id == id)
    #expect(router.takeReplyIfArrived(id)?.id == id, "the command gets its reply")
  }

  @Test func anEventDecodedAsATreeIsHandledAtOnceToo() async throws {
    let router = connectedRouter()
    let transcript = router.subscribeTranscript(limit: 16, overflow: .suspendReader)
    let tree = QMPWireCodec.Message.json(["event": "STOP", "data": ["nested": [1, 2]]])
    #expect(router.handleNow([tree][...]) == 1)
    let entries = await transcript.nextBatch()
    guard entries.count == 1, case .event(let event) = entries[0] else {
      Issue.record("expected one event entry, got \(entries.count)")
      return
    }
    #expect(event.name == "STOP")
  }

  @Test func itStopsAtTheFirstMessageThatNeedsTheWaitingPath() async throws {
    let router = connectedRouter()
    let transcript = router.subscribeTranscript(limit: 16, overflow: .suspendReader)
    // A malformed message becomes a warning; a reply nobody asked for is logged and marked.
    let malformed = QMPWireCodec.Message.malformed(
      JSONStreamError(.tooLarge(limit: 1), streamOffset: 0))
    #expect(router.handleNow([try event("STOP"), malformed, try event("RESUME")][...]) == 1)
    #expect(router.handleNow([reply("nobody")][...]) == 0)
    #expect(router.handleNow([.resetMarker][...]) == 0)
    let entries = await transcript.nextBatch()
    #expect(entries.count == 1, "only the first event: the rest is left for the waiting path")
  }

  @Test func aFullSuspendingTranscriptStopsItAndNothingIsLost() async throws {
    let router = connectedRouter()
    let transcript = router.subscribeTranscript(limit: 2, overflow: .suspendReader)
    let messages = [try event("A"), try event("B"), try event("C")]
    #expect(router.handleNow(messages[...]) == 2)
    let entries = await transcript.nextBatch()
    #expect(entries.count == 2)
  }

  @Test func eventSubscribersAreServedByTheWaitingPath() throws {
    let router = connectedRouter()
    let subscription = router.subscribeEvents(EventFilter(), limit: 16, overflow: .dropOldest)
    #expect(router.handleNow([try event("STOP")][...]) == 0)
    withExtendedLifetime(subscription) {}
  }
}
