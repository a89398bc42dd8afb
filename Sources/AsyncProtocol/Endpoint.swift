/// Where a session connects to or listens on.
public enum Endpoint: Sendable, Hashable, CustomStringConvertible {
  /// A UNIX domain stream socket.
  case unix(path: String)
  /// TCP. `host` is a name, an IPv4 address or an IPv6 address (without brackets). Port 0 is
  /// only meaningful for listening (the system picks a free port).
  case tcp(host: String, port: Int)

  /// Reads the address forms QEMU users type:
  /// - `[ADDR]:PORT` is TCP over IPv6 (the brackets keep the port apart from the address),
  /// - `HOST:PORT` is TCP (a name or IPv4 address; PORT in 1...65535),
  /// - anything starting with `/` or `.`, or without `:`, is a UNIX socket path.
  ///
  /// - Throws: ``EndpointError`` naming what was wrong.
  public init(parsing text: String) throws {
    let trimmed = text.trimmingBlanks()
    guard !trimmed.isEmpty else { throw EndpointError(text: text, reason: .empty) }

    if trimmed.hasPrefix("/") || trimmed.hasPrefix(".") || !trimmed.contains(":") {
      let length = trimmed.utf8.count
      guard length <= Self.maximumPathLength else {
        throw EndpointError(text: text, reason: .pathTooLong(length))
      }
      self = .unix(path: trimmed)
      return
    }

    if trimmed.hasPrefix("[") {
      guard let close = trimmed.firstIndex(of: "]") else {
        throw EndpointError(text: text, reason: .unterminatedBracket)
      }
      let host = String(trimmed[trimmed.index(after: trimmed.startIndex)..<close])
      guard !host.isEmpty else { throw EndpointError(text: text, reason: .missingHost) }
      let rest = trimmed[trimmed.index(after: close)...]
      guard !rest.isEmpty else { throw EndpointError(text: text, reason: .missingPort) }
      guard rest.hasPrefix(":") else {
        throw EndpointError(text: text, reason: .junkAfterBracket(String(rest)))
      }
      self = .tcp(host: host, port: try Self.port(String(rest.dropFirst()), text: text))
      return
    }

    // Not bracketed: the last ':' separates the port.
    let colon = trimmed.lastIndex(of: ":")!
    let host = String(trimmed[..<colon])
    let portText = String(trimmed[trimmed.index(after: colon)...])
    if host.contains(":") { throw EndpointError(text: text, reason: .unbracketedIPv6) }
    guard !host.isEmpty else { throw EndpointError(text: text, reason: .missingHost) }
    self = .tcp(host: host, port: try Self.port(portText, text: text))
  }

  /// The longest UNIX socket path Linux takes: `sun_path` is 108 bytes, one of them the
  /// terminating NUL. Checked when the address is read, so a long path is a usage error that
  /// says so, not a connect failure named after a NIO error case.
  public static let maximumPathLength = 107

  private static func port(_ portText: String, text: String) throws -> Int {
    guard !portText.isEmpty else { throw EndpointError(text: text, reason: .missingPort) }
    guard portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
      let port = Int(portText), (1...65535).contains(port)
    else {
      throw EndpointError(text: text, reason: .badPort(portText))
    }
    return port
  }

  /// The form ``init(parsing:)`` reads back: a path, `host:port` or `[v6addr]:port`.
  public var description: String {
    switch self {
    case .unix(let path): path
    case .tcp(let host, let port) where host.contains(":"): "[\(host)]:\(port)"
    case .tcp(let host, let port): "\(host):\(port)"
    }
  }
}

extension String {
  /// Drops leading and trailing spaces and tabs without pulling in Foundation.
  fileprivate func trimmingBlanks() -> String {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
    guard let first = firstIndex(where: { !isBlank($0) }),
      let last = lastIndex(where: { !isBlank($0) })
    else { return "" }
    return String(self[first...last])
  }
}
