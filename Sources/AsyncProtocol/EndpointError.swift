/// An address string that ``Endpoint/init(parsing:)`` could not understand.
public struct EndpointError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Reason: Sendable, Hashable {
    /// Nothing (or only blanks) was given.
    case empty
    /// `HOST:` or `[ADDR]` without a port.
    case missingPort
    /// The port is not a number in 1...65535.
    case badPort(String)
    /// `:PORT` without a host.
    case missingHost
    /// `[` without its `]`.
    case unterminatedBracket
    /// Something follows `]` that is not `:PORT`.
    case junkAfterBracket(String)
    /// An IPv6 address without brackets: its colons make the port ambiguous.
    case unbracketedIPv6
    /// A UNIX socket path longer than the kernel's `sun_path` holds; the byte count given.
    case pathTooLong(Int)
  }

  public let text: String
  public let reason: Reason

  public init(text: String, reason: Reason) {
    self.text = text
    self.reason = reason
  }

  public var description: String {
    let what: String
    switch reason {
    case .empty: what = "the address is empty"
    case .missingPort: what = "a TCP address needs a port (HOST:PORT)"
    case .badPort(let port): what = "'\(port)' is not a port number (1-65535)"
    case .missingHost: what = "a TCP address needs a host before ':'"
    case .unterminatedBracket: what = "'[' is not closed by ']'"
    case .junkAfterBracket(let junk): what = "expected ':PORT' after ']', found '\(junk)'"
    case .unbracketedIPv6: what = "write an IPv6 address in brackets: [ADDR]:PORT"
    case .pathTooLong(let count):
      what =
        "a UNIX socket path holds at most \(Endpoint.maximumPathLength) bytes, this one has \(count)"
    }
    return "bad address '\(text)': \(what)"
  }
}
