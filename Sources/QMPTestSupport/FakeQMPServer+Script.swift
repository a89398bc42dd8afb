import QMPCodec

extension FakeQMPServer {
  /// How a fake server behaves on each connection.
  public struct Script: Sendable {
    public var greeting: Greeting
    /// Steps run right after the greeting (events, garbage, a disconnect, ...).
    public var onConnect: [Action]
    /// Appended to every message; QEMU uses "\r\n", qemu-ga "\n".
    public var lineEnding: String
    /// When false the server never reads, so the client's writes eventually block.
    public var readsInput: Bool
    /// Whether every received command is kept in ``FakeQMPServer/receivedCommands``.
    /// Counting always happens; benchmarks sending millions of commands turn this off.
    public var recordsCommands: Bool
    /// The answer to input that is not JSON (the decoder's error is passed in).
    public var onMalformedInput: @Sendable (JSONStreamError) -> [Action]
    /// The answer to each command; see ``FakeQMPServer/standardResponse(to:)``.
    public var respond: @Sendable (QMPCommand) async -> [Action]

    public init(
      greeting: Greeting = .qemu(),
      onConnect: [Action] = [],
      lineEnding: String = "\r\n",
      readsInput: Bool = true,
      recordsCommands: Bool = true,
      // A closure, not `FakeQMPServer.standardResponse(to:)` itself: Swift 6.3 crashes
      // converting a function reference to this async type in a default argument.
      respond: @escaping @Sendable (QMPCommand) async -> [Action] = { command in
        FakeQMPServer.standardResponse(to: command)
      },
      onMalformedInput: @escaping @Sendable (JSONStreamError) -> [Action] = { _ in
        [.idlessError(desc: "JSON parse error, invalid input")]
      }
    ) {
      self.greeting = greeting
      self.onConnect = onConnect
      self.lineEnding = lineEnding
      self.readsInput = readsInput
      self.recordsCommands = recordsCommands
      self.onMalformedInput = onMalformedInput
      self.respond = respond
    }

    /// A qemu-ga lookalike: no greeting, "\n" line ends, sync commands answered.
    public static func guestAgent(
      respond: @escaping @Sendable (QMPCommand) async -> [Action] = { command in
        FakeQMPServer.standardResponse(to: command)
      }
    ) -> Script {
      Script(greeting: .none, lineEnding: "\n", respond: respond)
    }
  }

  /// Answers like a freshly started QEMU or qemu-ga would, for the few commands tests need:
  /// `qmp_capabilities`, `query-status`, `guest-ping`, `guest-sync` and
  /// `guest-sync-delimited` (0xFF, then the id back); CommandNotFound for anything else.
  ///
  /// Custom scripts call it as their fallback.
  @Sendable
  public static func standardResponse(to command: QMPCommand) -> [Action] {
    switch command.name {
    case "qmp_capabilities", "guest-ping":
      return [.return([:])]
    case "query-status":
      return [.return(["status": "running", "singlestep": false, "running": true])]
    case "guest-sync":
      return [.return(command.arguments?["id"] ?? .null)]
    case "guest-sync-delimited":
      return [.bytes([0xFF]), .return(command.arguments?["id"] ?? .null)]
    default:
      return [.commandNotFound(command.name)]
    }
  }
}
