import Synchronization

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
///
/// An event read by ``JSONStreamDecoder/nextQMP()`` may come without its JSON tree: only its
/// compact text (``compactJSON``), its name and its timestamp are known, and ``json`` and
/// ``data`` are parsed from that text the first time somebody asks. A shell that prints an
/// event flood then never builds the trees it would only serialise again.
///
/// The fields live in one immutable shared box, so an event is one reference wide: it moves
/// through channel pipelines and queues without being boxed or copied field by field.
/// Setting a property makes a new box.
public struct QMPEvent: Sendable {
  private var box: Box

  public init(name: String, data: JSONValue? = nil, timestamp: QMPTimestamp? = nil) {
    var object = JSONObject()
    if let timestamp {
      object["timestamp"] = [
        "seconds": .int(timestamp.seconds), "microseconds": .int(timestamp.microseconds),
      ]
    }
    object["event"] = .string(name)
    if let data { object["data"] = data }
    box = Box(name: name, timestamp: timestamp, tree: .object(object), data: data)
  }

  /// - Throws: ``QMPDecodingError`` when `event` is not a string or `timestamp` is malformed.
  public init(json: JSONValue) throws {
    let fields = try QMPFields(json, path: "event")
    let name = try fields.string("event")
    var timestamp: QMPTimestamp?
    if fields.object["timestamp"] != nil {
      let stamp = try fields.object("timestamp")
      timestamp = QMPTimestamp(
        seconds: try stamp.integer("seconds"), microseconds: try stamp.integer("microseconds"))
    }
    box = Box(name: name, timestamp: timestamp, tree: json, data: fields.object["data"])
  }

  /// An event known by its compact text only (see ``JSONStreamDecoder/nextQMP()``).
  init(name: String, timestamp: QMPTimestamp?, compact: [UInt8]) {
    box = Box(name: name, timestamp: timestamp, compact: compact)
  }

  public var name: String {
    get { box.name }
    set { box = box.with(name: newValue) }
  }

  /// `nil` when absent; QEMU always sends one.
  public var timestamp: QMPTimestamp? {
    get { box.timestamp }
    set { box = box.with(timestamp: newValue) }
  }

  /// The message as received.
  public var json: JSONValue {
    get { box.tree ?? box.parsed }
    set { box = box.with(tree: newValue) }
  }

  /// The event's `data` member (usually an object); `nil` when absent.
  public var data: JSONValue? {
    get { box.tree == nil ? box.parsed["data"] : box.data }
    set { box = box.with(data: newValue) }
  }

  /// The exact bytes `json.write(to:style: .compact)` would write, when the event came as
  /// compact text and is unchanged since; nil otherwise (serialise ``json`` then).
  public var compactJSON: [UInt8]? { box.compact }
}

extension QMPEvent: Hashable {
  public static func == (lhs: QMPEvent, rhs: QMPEvent) -> Bool {
    if lhs.box === rhs.box { return true }
    return lhs.name == rhs.name && lhs.timestamp == rhs.timestamp && lhs.data == rhs.data
      && lhs.json == rhs.json
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(name)
    hasher.combine(timestamp)
  }
}

extension QMPEvent {
  /// The fields. Either `tree` (with `data` kept beside it: the two can be set separately,
  /// as they always could) or `compact`, whose tree is parsed once, on first use, under a
  /// lock (copies of an event share the box and may be read from any task).
  fileprivate final class Box: Sendable {
    let name: String
    let timestamp: QMPTimestamp?
    let tree: JSONValue?
    let data: JSONValue?
    let compact: [UInt8]?
    private let lazyTree = Mutex<JSONValue?>(nil)

    init(name: String, timestamp: QMPTimestamp?, tree: JSONValue, data: JSONValue?) {
      self.name = name
      self.timestamp = timestamp
      self.tree = tree
      self.data = data
      self.compact = nil
    }

    init(name: String, timestamp: QMPTimestamp?, compact: [UInt8]) {
      self.name = name
      self.timestamp = timestamp
      self.tree = nil
      self.data = nil
      self.compact = compact
    }

    private init(
      name: String, timestamp: QMPTimestamp?, tree: JSONValue?, data: JSONValue?,
      compact: [UInt8]?
    ) {
      self.name = name
      self.timestamp = timestamp
      self.tree = tree
      self.data = data
      self.compact = compact
    }

    /// The tree of `compact`. The text was checked by ``JSONCompactor``, which accepts only
    /// valid JSON, so the parse cannot fail; `.null` would stand for a broken compactor (a
    /// test compares the tree of every text it accepts with the parser's).
    var parsed: JSONValue {
      lazyTree.withLock { cached in
        if let cached { return cached }
        let value = compact.flatMap { try? JSONValue(parsing: $0) } ?? .null
        cached = value
        return value
      }
    }

    func with(name: String) -> Box {
      Box(name: name, timestamp: timestamp, tree: tree, data: data, compact: compact)
    }

    func with(timestamp: QMPTimestamp?) -> Box {
      Box(name: name, timestamp: timestamp, tree: tree, data: data, compact: compact)
    }

    /// A new tree: the compact text no longer says what `json` is.
    func with(tree: JSONValue) -> Box {
      Box(name: name, timestamp: timestamp, tree: tree, data: currentData, compact: nil)
    }

    func with(data: JSONValue?) -> Box {
      Box(name: name, timestamp: timestamp, tree: tree ?? parsed, data: data, compact: nil)
    }

    private var currentData: JSONValue? { tree == nil ? parsed["data"] : data }
  }
}
