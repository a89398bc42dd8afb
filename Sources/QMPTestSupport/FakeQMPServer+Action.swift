import QMPCodec

extension FakeQMPServer {
  /// Which `id` a scripted reply carries.
  public enum ReplyID: Sendable, Hashable {
    /// The request's own id (absent if the request had none), as QEMU does.
    case echo
    /// No `id` member at all, like QEMU's errors for input it could not parse.
    case none
    /// This exact id, e.g. one that belongs to no request.
    case value(JSONValue)
  }

  /// One step of the fake server's script.
  ///
  /// A connection runs its steps one after another, like QEMU runs in-band commands: a
  /// ``delay(_:)`` or ``wait(_:)`` also holds back the handling of later input. Use
  /// ``detached(_:)`` for steps that should run alongside (e.g. a reply held back while other
  /// commands are answered).
  public indirect enum Action: Sendable {
    /// `{"return": value, "id": ...}`.
    case `return`(JSONValue, id: ReplyID = .echo)
    /// `{"id": ..., "error": {"class": errorClass, "desc": desc}}`.
    case error(class: String, desc: String, id: ReplyID = .echo)
    /// `{"timestamp": {...}, "event": name, "data": data}` with the current time.
    case event(String, data: JSONObject? = nil)
    /// `count` copies of an event, written in large chunks (for floods and benchmarks).
    case eventFlood(String, data: JSONObject? = nil, count: Int)
    /// Any JSON message, compact, followed by the script's line ending.
    case message(JSONValue)
    /// Exactly these bytes: malformed JSON, a lone 0xFF, half a message, ...
    case bytes([UInt8])
    /// Pause this connection's script.
    case delay(Duration)
    /// Pause this connection's script until the test fires `signal`.
    case wait(AsyncSignal)
    /// Fire `signal` (lets the test wait until the script reached this point).
    case fire(AsyncSignal)
    /// Run these steps in a separate task, without holding up the script.
    case detached([Action])
    /// Close the connection (later steps and input are ignored).
    case disconnect
    /// `chunk` written `count` times in large writes, without holding it all in memory (a
    /// 100 MB message is a prefix, a repeated filler and a suffix).
    case repeated([UInt8], count: Int)
    /// Stop reading input and hold this connection's script until the client closes (a peer
    /// that stops reading: the client's writes fill the socket and then block).
    case stopReading

    /// An error without an `id`, like QEMU's reply to input it cannot parse.
    public static func idlessError(class errorClass: String = "GenericError", desc: String)
      -> Action
    {
      .error(class: errorClass, desc: desc, id: .none)
    }

    /// QEMU's error for an unknown command name.
    public static func commandNotFound(_ name: String) -> Action {
      .error(class: "CommandNotFound", desc: "The command \(name) has not been found")
    }
  }

  /// What the server sends as soon as a client connects.
  public enum Greeting: Sendable {
    /// A greeting shaped like QEMU 7.2's.
    case qemu(capabilities: [String] = ["oob"])
    /// This JSON value as the greeting message.
    case json(JSONValue)
    /// Exactly these bytes (e.g. a truncated or malformed greeting).
    case bytes([UInt8])
    /// Nothing: the guest agent's behaviour.
    case none

    /// The JSON of a QEMU-like greeting.
    public static func qemuJSON(capabilities: [String] = ["oob"]) -> JSONValue {
      [
        "QMP": [
          "version": [
            "qemu": ["micro": 22, "minor": 2, "major": 7],
            "package": "fake-qmp-server",
          ],
          "capabilities": .array(capabilities.map { .string($0) }),
        ]
      ]
    }
  }
}
