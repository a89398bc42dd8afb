import AsyncProtocol
import QMPCodec

/// What the client does on a fresh connection, before commands may run.
enum QMPHandshake {
  typealias Channel = HandshakeChannel<QMPWireCodec.Message>

  /// Greeting, then `qmp_capabilities` as configured.
  static func qmp(_ channel: Channel, negotiation: QMPClient.Negotiation, router: QMPRouter)
    async throws
  {
    let greeting: QMPGreeting
    switch try await channel.receive() {
    case .json(let json):
      greeting = try Self.greeting(json)
    case .event(let event):
      greeting = try Self.greeting(event.json)
    case .malformed(let error):
      throw QMPClientError.invalidGreeting("not JSON: \(error)")
    case .resetMarker:
      throw QMPClientError.invalidGreeting(
        "got a 0xFF byte, which only the guest agent sends; use guest-agent mode")
    case .raw:
      throw QMPClientError.invalidGreeting("unexpected raw bytes")
    }
    let oob: Bool
    switch negotiation {
    case .skip:
      router.state.withLock { $0.greeting = greeting }
      await router.record(.greeting(greeting))
      return
    case .withoutOOB: oob = false
    case .enableOOBWhenOffered: oob = greeting.capabilities.contains("oob")
    }
    router.state.withLock { $0.greeting = greeting }
    await router.record(.greeting(greeting))

    let id = JSONValue.string("negotiate")
    let arguments: JSONObject? = oob ? ["enable": ["oob"]] : nil
    try await channel.send(
      .json(QMPCommand("qmp_capabilities", arguments: arguments, id: id).json))
    while true {
      guard case .json(let json) = try await channel.receive() else { continue }
      guard case .reply(let reply)? = try? QMPMessage(json: json) else { continue }
      if reply.id == id {
        if case .failure(let error) = reply.result {
          throw QMPClientError.negotiationFailed("\(error)")
        }
        router.state.withLock { $0.oobEnabled = oob }
        return
      }
      if reply.id == nil, case .failure(let error) = reply.result {
        throw QMPClientError.negotiationFailed("the peer answered with an error: \(error)")
      }
    }
  }

  private static func greeting(_ json: JSONValue) throws -> QMPGreeting {
    do {
      return try QMPGreeting(json: json)
    } catch {
      throw QMPClientError.invalidGreeting("\(error) in \(json.serialized())")
    }
  }

  /// The guest agent's resynchronisation: 0xFF (resets the agent's parser, which may hold half
  /// a message from a previous client), then `guest-sync-delimited` with a random id. The
  /// agent answers with 0xFF and the id; everything before that 0xFF is stale and discarded.
  static func guestAgent(_ channel: Channel, router: QMPRouter) async throws {
    let token = Int64.random(in: 1...Int64.max)
    let id = JSONValue.string("sync")
    try await channel.send(.resetMarker)
    try await channel.send(
      .json(
        QMPCommand("guest-sync-delimited", arguments: ["id": .int(token)], id: id).json))
    var sawSentinel = false
    var discarded = 0
    while true {
      switch try await channel.receive() {
      case .resetMarker:
        sawSentinel = true
      case .json(let json):
        if json["QMP"] != nil {
          throw QMPClientError.syncFailed(
            "the peer sent a QMP greeting: this is a QMP monitor, not a guest agent")
        }
        if sawSentinel, json["return"] == .int(token) {
          if discarded > 0 {
            router.logger.info("discarded \(discarded) stale message(s) before the sync reply")
          }
          return
        }
        if json["id"] == id, let error = json["error"] {
          throw QMPClientError.syncFailed(
            "guest-sync-delimited failed: \(error.serialized())")
        }
        discarded += 1
      case .malformed, .raw, .event:
        discarded += 1
      }
    }
  }
}
