/// A JSON value that is valid JSON but not the QMP message it was expected to be.
///
/// The message names the field by its path (`QMP.version.qemu.major`) and says what was
/// found, so a user can tell a broken peer from a bug of ours.
public struct QMPDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String

  public init(_ message: String) {
    self.message = message
  }

  public var description: String { message }
}

/// Field access that turns a missing or mistyped member into a ``QMPDecodingError``.
struct QMPFields {
  let object: JSONObject
  /// Where `object` sits, for messages: "greeting", "greeting QMP.version".
  let path: String

  init(_ value: JSONValue, path: String) throws(QMPDecodingError) {
    guard case .object(let object) = value else {
      throw QMPDecodingError("\(path) must be an object, got \(value.kindDescription)")
    }
    self.object = object
    self.path = path
  }

  func require(_ key: String) throws(QMPDecodingError) -> JSONValue {
    guard let value = object[key] else {
      throw QMPDecodingError("\(path) has no \"\(key)\" member")
    }
    return value
  }

  func object(_ key: String) throws(QMPDecodingError) -> QMPFields {
    try QMPFields(require(key), path: "\(path).\(key)")
  }

  func string(_ key: String) throws(QMPDecodingError) -> String {
    let value = try require(key)
    guard case .string(let string) = value else {
      throw QMPDecodingError("\(path).\(key) must be a string, got \(value.kindDescription)")
    }
    return string
  }

  func integer(_ key: String) throws(QMPDecodingError) -> Int64 {
    let value = try require(key)
    guard case .int(let integer) = value else {
      throw QMPDecodingError("\(path).\(key) must be an integer, got \(value.kindDescription)")
    }
    return integer
  }
}
