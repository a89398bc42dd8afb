/// When the server says an event happened: seconds and microseconds since the Unix epoch.
public struct QMPTimestamp: Sendable, Hashable, Comparable {
  public var seconds: Int64
  public var microseconds: Int64

  public init(seconds: Int64, microseconds: Int64) {
    self.seconds = seconds
    self.microseconds = microseconds
  }

  public static func < (lhs: QMPTimestamp, rhs: QMPTimestamp) -> Bool {
    (lhs.seconds, lhs.microseconds) < (rhs.seconds, rhs.microseconds)
  }
}

/// An asynchronous notification:
/// `{"timestamp": {"seconds": S, "microseconds": U}, "event": "STOP", "data": {...}}`.
public struct QMPEvent: Sendable, Hashable {
  /// The message as received.
  public var json: JSONValue
  public var name: String
  /// The event's `data` member (usually an object); `nil` when absent.
  public var data: JSONValue?
  /// `nil` when absent; QEMU always sends one.
  public var timestamp: QMPTimestamp?

  public init(name: String, data: JSONValue? = nil, timestamp: QMPTimestamp? = nil) {
    self.name = name
    self.data = data
    self.timestamp = timestamp
    var object = JSONObject()
    if let timestamp {
      object["timestamp"] = [
        "seconds": .int(timestamp.seconds), "microseconds": .int(timestamp.microseconds),
      ]
    }
    object["event"] = .string(name)
    if let data { object["data"] = data }
    self.json = .object(object)
  }

  /// - Throws: ``QMPDecodingError`` when `event` is not a string or `timestamp` is malformed.
  public init(json: JSONValue) throws {
    let fields = try QMPFields(json, path: "event")
    name = try fields.string("event")
    data = fields.object["data"]
    if fields.object["timestamp"] != nil {
      let stamp = try fields.object("timestamp")
      timestamp = QMPTimestamp(
        seconds: try stamp.integer("seconds"), microseconds: try stamp.integer("microseconds"))
    } else {
      timestamp = nil
    }
    self.json = json
  }
}
