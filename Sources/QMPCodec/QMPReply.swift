/// The answer to a command: `{"return": X, "id": I}` or `{"error": {...}, "id": I}`.
public struct QMPReply: Sendable, Hashable {
  /// The message as received.
  public var json: JSONValue
  /// The command's `id` echoed back; `nil` for replies to input QEMU could not parse, which
  /// must not be matched to a pending command.
  public var id: JSONValue?
  public var result: Result<JSONValue, QMPError>

  public init(result: Result<JSONValue, QMPError>, id: JSONValue? = nil) {
    self.result = result
    self.id = id
    var object = JSONObject()
    switch result {
    case .success(let value): object["return"] = value
    case .failure(let error): object["error"] = error.json
    }
    if let id { object["id"] = id }
    self.json = .object(object)
  }

  /// - Throws: ``QMPDecodingError`` for a reply with neither or both of `return` and `error`,
  ///   or a malformed `error`.
  public init(json: JSONValue) throws {
    let fields = try QMPFields(json, path: "reply")
    switch (fields.object["return"], fields.object["error"]) {
    case (let value?, nil):
      result = .success(value)
    case (nil, let error?):
      result = .failure(try QMPError(json: error))
    case (nil, nil):
      throw QMPDecodingError("reply has neither \"return\" nor \"error\"")
    case (_?, _?):
      throw QMPDecodingError("reply has both \"return\" and \"error\"")
    }
    id = fields.object["id"]
    self.json = json
  }
}
