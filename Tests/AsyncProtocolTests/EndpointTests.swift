import AsyncProtocol
import Testing

@Suite struct EndpointTests {
  @Test(arguments: [
    ("/tmp/qmp.sock", Endpoint.unix(path: "/tmp/qmp.sock")),
    ("./qmp.sock", .unix(path: "./qmp.sock")),
    ("qmp.sock", .unix(path: "qmp.sock")),
    ("/weird:name", .unix(path: "/weird:name")),
    ("  /spaced.sock ", .unix(path: "/spaced.sock")),
    ("127.0.0.1:4444", .tcp(host: "127.0.0.1", port: 4444)),
    ("localhost:1", .tcp(host: "localhost", port: 1)),
    ("qemu.example.org:65535", .tcp(host: "qemu.example.org", port: 65535)),
    ("[::1]:4444", .tcp(host: "::1", port: 4444)),
    ("[fe80::1%eth0]:22", .tcp(host: "fe80::1%eth0", port: 22)),
  ])
  func parses(text: String, expected: Endpoint) throws {
    #expect(try Endpoint(parsing: text) == expected)
  }

  @Test(arguments: [
    ("", EndpointError.Reason.empty),
    ("   ", .empty),
    ("host:", .missingPort),
    ("host:0", .badPort("0")),
    ("host:65536", .badPort("65536")),
    ("host:http", .badPort("http")),
    ("host:-1", .badPort("-1")),
    ("host:+80", .badPort("+80")),
    (":4444", .missingHost),
    ("[::1", .unterminatedBracket),
    ("[::1]", .missingPort),
    ("[::1]4444", .junkAfterBracket("4444")),
    ("[]:4444", .missingHost),
    ("::1:4444", .unbracketedIPv6),
    ("[::1]:99999", .badPort("99999")),
    ("/" + String(repeating: "s", count: 107), .pathTooLong(108)),
  ])
  func rejects(text: String, reason: EndpointError.Reason) {
    #expect(throws: EndpointError(text: text, reason: reason)) { try Endpoint(parsing: text) }
  }

  @Test func errorsSayWhatIsWrong() {
    #expect(
      EndpointError(text: "h:x", reason: .badPort("x")).description
        == "bad address 'h:x': 'x' is not a port number (1-65535)")
    #expect(EndpointError(text: "", reason: .empty).description.contains("empty"))
    #expect(EndpointError(text: "[::1", reason: .unterminatedBracket).description.contains("']'"))
  }

  @Test func theLongestUNIXPathIsTaken() throws {
    let path = "/" + String(repeating: "s", count: 106)
    #expect(try Endpoint(parsing: path) == .unix(path: path))
    #expect(
      EndpointError(text: "x", reason: .pathTooLong(200)).description
        == "bad address 'x': a UNIX socket path holds at most 107 bytes, this one has 200")
  }

  @Test(arguments: ["/run/q.sock", "10.0.0.1:4444", "[::1]:4444", "vm.local:5555"])
  func descriptionParsesBack(text: String) throws {
    let endpoint = try Endpoint(parsing: text)
    #expect(endpoint.description == text)
    #expect(try Endpoint(parsing: endpoint.description) == endpoint)
  }
}
