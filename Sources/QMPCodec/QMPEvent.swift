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
/// Setting a property makes a new box. An event read as compact text holds that text in the
/// same allocation as its fields: an event flood then costs one allocation per event, not two
/// (allocation and release were a fifth of a flood's instructions).
public struct QMPEvent: @unchecked Sendable {
  // Unchecked because the box is a `ManagedBuffer`, which is not `Sendable`; everything in it
  // is immutable after creation but the parsed-tree cache, which is only touched under
  // `Box.cacheLock`.
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
    box = Box.make(name: name, timestamp: timestamp, tree: .object(object), data: data)
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
    box = Box.make(name: name, timestamp: timestamp, tree: json, data: fields.object["data"])
  }

  /// An event known by its compact text only (see ``JSONStreamDecoder/nextQMP()``); the text
  /// is copied into the event.
  init(name: String, timestamp: QMPTimestamp?, compact: UnsafeBufferPointer<UInt8>) {
    box = Box.make(name: name, timestamp: timestamp, compact: compact)
  }

  public var name: String {
    get { box.fields { $0.pointee.name } }
    set { box = box.with(name: newValue) }
  }

  /// `nil` when absent; QEMU always sends one.
  public var timestamp: QMPTimestamp? {
    get { box.fields { $0.pointee.timestamp } }
    set { box = box.with(timestamp: newValue) }
  }

  /// The message as received.
  public var json: JSONValue {
    get { box.fields { $0.pointee.tree } ?? box.parsed }
    set { box = box.with(tree: newValue) }
  }

  /// The event's `data` member (usually an object); `nil` when absent.
  public var data: JSONValue? {
    get { box.isCompact ? box.parsed["data"] : box.fields { $0.pointee.data } }
    set { box = box.with(data: newValue) }
  }

  /// The exact bytes `json.write(to:style: .compact)` would write, when the event came as
  /// compact text and is unchanged since; nil otherwise (serialise ``json`` then).
  public var compactJSON: [UInt8]? { box.withCompactText { Array($0) } }

  /// Calls `body` with ``compactJSON``'s bytes without copying them; nil (and `body` is not
  /// called) when there is no compact text.
  public func withCompactJSON<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
    box.withCompactText(body)
  }
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
  /// What a box holds besides the compact text. Either `tree` (with `data` kept beside it:
  /// the two can be set separately, as they always could) or compact text in the box's tail
  /// (`compactCount` bytes), whose tree is parsed once, on first use, into `parsed`.
  fileprivate struct Fields {
    let name: String
    let timestamp: QMPTimestamp?
    let tree: JSONValue?
    let data: JSONValue?
    /// How many bytes of compact text follow the fields; -1 for none.
    let compactCount: Int
    /// The tree of the compact text, once somebody asked; only under `Box.cacheLock`.
    var parsed: JSONValue?
  }

  /// The fields and, in the same allocation, the compact text.
  ///
  /// Fields are read through the header pointer, one at a time, never as the whole header:
  /// `parsed` may be written by another thread meanwhile (under the lock), and reading the
  /// rest must not touch it.
  fileprivate final class Box: ManagedBuffer<Fields, UInt8> {
    /// Guards every box's `parsed`. One lock for all: it is held only to read or store a
    /// finished tree (the parse itself runs outside it), which is rare and short.
    static let cacheLock = Mutex<Void>(())

    static func make(name: String, timestamp: QMPTimestamp?, tree: JSONValue?, data: JSONValue?)
      -> Box
    {
      let buffer = create(minimumCapacity: 0) { _ in
        Fields(name: name, timestamp: timestamp, tree: tree, data: data, compactCount: -1)
      }
      return unsafeDowncast(buffer, to: Box.self)
    }

    static func make(name: String, timestamp: QMPTimestamp?, compact: UnsafeBufferPointer<UInt8>)
      -> Box
    {
      let buffer = create(minimumCapacity: compact.count) { _ in
        Fields(name: name, timestamp: timestamp, tree: nil, data: nil, compactCount: compact.count)
      }
      buffer.withUnsafeMutablePointerToElements { elements in
        if let source = compact.baseAddress {
          elements.initialize(from: source, count: compact.count)
        }
      }
      return unsafeDowncast(buffer, to: Box.self)
    }

    @inline(__always)
    func fields<T>(_ read: (UnsafeMutablePointer<Fields>) -> T) -> T {
      withUnsafeMutablePointerToHeader(read)
    }

    var isCompact: Bool { fields { $0.pointee.compactCount >= 0 } }

    func withCompactText<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
      let count = fields { $0.pointee.compactCount }
      guard count >= 0 else { return nil }
      return withUnsafeMutablePointerToElements {
        body(UnsafeBufferPointer(start: $0, count: count))
      }
    }

    /// The tree of the compact text. The text was checked by ``JSONCompactor``, which accepts
    /// only valid JSON, so the parse cannot fail; `.null` would stand for a broken compactor
    /// (a test compares the tree of every text it accepts with the parser's). Two threads may
    /// both parse on first use; the first to store wins, and both return equal trees.
    var parsed: JSONValue {
      let cached = fields { header in Self.cacheLock.withLock { _ in header.pointee.parsed } }
      if let cached { return cached }
      let value = withCompactText { try? JSONValue(parsing: $0) }.flatMap { $0 } ?? .null
      return fields { header in
        Self.cacheLock.withLock { _ in
          if let cached = header.pointee.parsed { return cached }
          header.pointee.parsed = value
          return value
        }
      }
    }

    func with(name: String) -> Box {
      copy(name: name, timestamp: fields { $0.pointee.timestamp })
    }

    func with(timestamp: QMPTimestamp?) -> Box {
      copy(name: fields { $0.pointee.name }, timestamp: timestamp)
    }

    /// A new tree: the compact text no longer says what `json` is.
    func with(tree: JSONValue) -> Box {
      Box.make(
        name: fields { $0.pointee.name }, timestamp: fields { $0.pointee.timestamp }, tree: tree,
        data: currentData)
    }

    func with(data: JSONValue?) -> Box {
      Box.make(
        name: fields { $0.pointee.name }, timestamp: fields { $0.pointee.timestamp },
        tree: fields { $0.pointee.tree } ?? parsed, data: data)
    }

    /// This box with another name or timestamp; the tree or compact text stays.
    private func copy(name: String, timestamp: QMPTimestamp?) -> Box {
      withCompactText { Box.make(name: name, timestamp: timestamp, compact: $0) }
        ?? Box.make(
          name: name, timestamp: timestamp, tree: fields { $0.pointee.tree },
          data: fields { $0.pointee.data })
    }

    private var currentData: JSONValue? {
      isCompact ? parsed["data"] : fields { $0.pointee.data }
    }
  }
}
