/// The first message a QMP server sends:
/// `{"QMP": {"version": {"qemu": {...}, "package": "..."}, "capabilities": ["oob"]}}`.
public struct QMPGreeting: Sendable, Hashable {
  /// The message as received, so it can be shown with its own key order.
  public var json: JSONValue
  public var qemuVersion: QMPVersion
  /// The distribution's build label (`Debian 1:7.2+dfsg-7+deb12u18+b3`); often empty.
  public var package: String
  /// Capabilities the server offers (`oob`), to be enabled with `qmp_capabilities`.
  public var capabilities: [String]

  /// - Throws: ``QMPDecodingError`` naming the missing or mistyped field.
  public init(json: JSONValue) throws {
    let top = try QMPFields(json, path: "greeting")
    let qmp = try top.object("QMP")
    let version = try qmp.object("version")
    let qemu = try version.object("qemu")
    func component(_ key: String) throws(QMPDecodingError) -> Int {
      let value = try qemu.integer(key)
      guard value >= 0, let int = Int(exactly: value) else {
        throw QMPDecodingError("\(qemu.path).\(key) must not be negative, got \(value)")
      }
      return int
    }
    qemuVersion = QMPVersion(
      major: try component("major"), minor: try component("minor"), micro: try component("micro"))
    package = try version.string("package")
    let list = try qmp.require("capabilities")
    guard case .array(let elements) = list else {
      throw QMPDecodingError(
        "\(qmp.path).capabilities must be an array, got \(list.kindDescription)")
    }
    var capabilities: [String] = []
    for (index, element) in elements.enumerated() {
      guard case .string(let name) = element else {
        throw QMPDecodingError(
          "\(qmp.path).capabilities[\(index)] must be a string, got \(element.kindDescription)")
      }
      capabilities.append(name)
    }
    self.capabilities = capabilities
    self.json = json
  }
}
