/// Anything a QMP server (or qemu-ga) sends.
public enum QMPMessage: Sendable, Hashable {
  case greeting(QMPGreeting)
  case reply(QMPReply)
  case event(QMPEvent)

  /// Classifies a received value by its distinguishing member: `QMP` (greeting), `event`,
  /// or `return`/`error` (reply).
  /// - Throws: ``QMPDecodingError`` for a non-object, an object with none of those members,
  ///   or a malformed message of the recognised kind.
  public init(json: JSONValue) throws {
    guard case .object(let object) = json else {
      throw QMPDecodingError("a QMP message must be an object, got \(json.kindDescription)")
    }
    if object["QMP"] != nil {
      self = .greeting(try QMPGreeting(json: json))
    } else if object["event"] != nil {
      self = .event(try QMPEvent(json: json))
    } else if object["return"] != nil || object["error"] != nil {
      self = .reply(try QMPReply(json: json))
    } else {
      let keys = object.keys.prefix(5).map { "\"\($0)\"" }.joined(separator: ", ")
      throw QMPDecodingError(
        "message is neither a greeting, a reply nor an event (members: \(keys))")
    }
  }

  /// The message as received.
  public var json: JSONValue {
    switch self {
    case .greeting(let greeting): return greeting.json
    case .reply(let reply): return reply.json
    case .event(let event): return event.json
    }
  }
}
