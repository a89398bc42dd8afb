import QMPCodec
import QMPTestSupport

/// Fake-server scripts and wire bytes shared by the fault tests.
enum FaultServer {
  /// The greeting exactly as the fake server sends it (compact JSON and "\r\n").
  static let greetingBytes: [UInt8] = wire(FakeQMPServer.Greeting.qemuJSON())

  /// `value` as the fake server writes a message: compact, then "\r\n".
  static func wire(_ value: JSONValue) -> [UInt8] {
    var bytes: [UInt8] = []
    value.write(to: &bytes)
    bytes += Array("\r\n".utf8)
    return bytes
  }

  /// The id the shell gives the command on script line `line` (it prints replies without it).
  static func shellID(line: Int) -> JSONValue { .string("qmp-shell-\(line)") }

  /// A script whose `respond` handles `name` with `actions(command)` and leaves the rest to
  /// the standard answers.
  static func answering(
    _ name: String, greeting: FakeQMPServer.Greeting = .qemu(),
    _ actions: @escaping @Sendable (QMPCommand) -> [FakeQMPServer.Action]
  ) -> FakeQMPServer.Script {
    FakeQMPServer.Script(
      greeting: greeting,
      respond: { command in
        command.name == name ? actions(command) : FakeQMPServer.standardResponse(to: command)
      })
  }

  /// Negotiates, then stops reading: the client's writes fill the socket and block.
  static let stopsReadingAfterNegotiation = FakeQMPServer.Script(respond: { command in
    command.name == "qmp_capabilities"
      ? [.return([:]), .stopReading] : FakeQMPServer.standardResponse(to: command)
  })
}
