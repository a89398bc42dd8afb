/// An error reply from the server: `{"error": {"class": "GenericError", "desc": "..."}}`.
public struct QMPError: Error, Sendable, Hashable, CustomStringConvertible {
  /// QEMU's error class (`GenericError`, `CommandNotFound`, `DeviceNotFound`, ...).
  public var errorClass: String
  /// The human-readable message.
  public var desc: String

  public init(errorClass: String, desc: String) {
    self.errorClass = errorClass
    self.desc = desc
  }

  /// Reads the value of a reply's `error` member.
  /// - Throws: ``QMPDecodingError`` when `class` or `desc` is missing or not a string.
  public init(json: JSONValue) throws {
    let fields = try QMPFields(json, path: "reply error")
    errorClass = try fields.string("class")
    desc = try fields.string("desc")
  }

  /// `GenericError: Device 'x' not found`.
  public var description: String { "\(errorClass): \(desc)" }

  /// The `error` member as QEMU writes it.
  public var json: JSONValue {
    .object(["class": .string(errorClass), "desc": .string(desc)])
  }
}
