/// A request to the server: `{"execute": NAME, "arguments": {...}, "id": ID}`.
public struct QMPCommand: Sendable, Hashable {
  public var name: String
  public var arguments: JSONObject?
  /// Echoed in the reply. Use strings: QEMU re-serialises ids, and numbers may not survive.
  public var id: JSONValue?
  /// Sent as `exec-oob` (out-of-band) instead of `execute`.
  public var outOfBand: Bool

  public init(
    _ name: String, arguments: JSONObject? = nil, id: JSONValue? = nil, outOfBand: Bool = false
  ) {
    self.name = name
    self.arguments = arguments
    self.id = id
    self.outOfBand = outOfBand
  }

  /// Reads a command written as JSON. As strict as QEMU: exactly one of `execute` and
  /// `exec-oob`, `arguments` an object, no other members than `id`.
  /// - Throws: ``QMPDecodingError`` naming the problem.
  public init(json: JSONValue) throws {
    let fields = try QMPFields(json, path: "command")
    switch (fields.object["execute"], fields.object["exec-oob"]) {
    case (_?, nil):
      name = try fields.string("execute")
      outOfBand = false
    case (nil, _?):
      name = try fields.string("exec-oob")
      outOfBand = true
    case (nil, nil):
      throw QMPDecodingError("command has neither \"execute\" nor \"exec-oob\"")
    case (_?, _?):
      throw QMPDecodingError("command has both \"execute\" and \"exec-oob\"")
    }
    if let value = fields.object["arguments"] {
      guard case .object(let object) = value else {
        throw QMPDecodingError("command.arguments must be an object, got \(value.kindDescription)")
      }
      arguments = object
    } else {
      arguments = nil
    }
    id = fields.object["id"]
    for key in fields.object.keys
    where key != "execute" && key != "exec-oob" && key != "arguments" && key != "id" {
      throw QMPDecodingError("command has an unexpected member \"\(key)\"")
    }
  }

  /// The command as sent: `execute` (or `exec-oob`) first, then `arguments` and `id` when set.
  public var json: JSONValue {
    var object = JSONObject(minimumCapacity: 3)
    object[outOfBand ? "exec-oob" : "execute"] = .string(name)
    if let arguments { object["arguments"] = .object(arguments) }
    if let id { object["id"] = id }
    return .object(object)
  }
}
