/// Which QEMU-family program a test runs, and how its monitors listen.
public struct QEMUConfiguration: Sendable {
  public enum Program: Sendable, Hashable {
    /// `qemu-system-x86_64 -machine none -nodefaults -display none`: no guest, full QMP.
    case systemEmulator
    /// `qemu-storage-daemon`: QMP without HMP or a machine.
    case storageDaemon
    /// `qemu-ga -m unix-listen`: the guest agent's dialect (no greeting, no events).
    case guestAgent
  }

  /// One QMP monitor. The guest agent always has exactly one UNIX socket and ignores this.
  public struct Monitor: Sendable, Hashable {
    public enum Transport: Sendable, Hashable {
      /// QEMU listens on a UNIX socket in the private directory.
      case unix
      /// QEMU listens on 127.0.0.1 on a free port.
      case tcp
      /// QEMU dials out to a UNIX socket the test listens on (and keeps retrying every second).
      case dialUnix(path: String)
    }

    public var transport: Transport
    /// Multi-line JSON output (`pretty=on`), to check that clients frame by value, not by line.
    public var pretty: Bool

    public init(_ transport: Transport = .unix, pretty: Bool = false) {
      self.transport = transport
      self.pretty = pretty
    }

    public static let unix = Monitor(.unix)
    public static let tcp = Monitor(.tcp)
  }

  /// Guest-agent commands that would act on the machine running the tests.
  public static let riskyGuestAgentCommands = [
    "guest-shutdown", "guest-suspend-disk", "guest-suspend-ram", "guest-suspend-hybrid",
    "guest-exec", "guest-file-open",
  ]

  public var program: Program
  public var monitors: [Monitor]
  /// Guest agent only: passed as `-b` (the agent answers them with CommandNotFound-like errors).
  public var blockedCommands: [String]
  /// Appended to the generated command line.
  public var extraArguments: [String]
  /// How long the peer may take until every listening monitor accepts connections.
  public var startTimeout: Duration

  public init(
    program: Program,
    monitors: [Monitor] = [.unix],
    blockedCommands: [String] = QEMUConfiguration.riskyGuestAgentCommands,
    extraArguments: [String] = [],
    startTimeout: Duration = .seconds(15)
  ) {
    self.program = program
    self.monitors = monitors
    self.blockedCommands = blockedCommands
    self.extraArguments = extraArguments
    self.startTimeout = startTimeout
  }

  public static func systemEmulator(
    monitors: [Monitor] = [.unix], extraArguments: [String] = []
  ) -> QEMUConfiguration {
    QEMUConfiguration(program: .systemEmulator, monitors: monitors, extraArguments: extraArguments)
  }

  public static func storageDaemon(
    monitors: [Monitor] = [.unix], extraArguments: [String] = []
  ) -> QEMUConfiguration {
    QEMUConfiguration(program: .storageDaemon, monitors: monitors, extraArguments: extraArguments)
  }

  public static func guestAgent(
    blockedCommands: [String] = riskyGuestAgentCommands, extraArguments: [String] = []
  ) -> QEMUConfiguration {
    QEMUConfiguration(
      program: .guestAgent, monitors: [.unix], blockedCommands: blockedCommands,
      extraArguments: extraArguments)
  }

  var executableName: String {
    switch program {
    case .systemEmulator: return "qemu-system-x86_64"
    case .storageDaemon: return "qemu-storage-daemon"
    case .guestAgent: return "qemu-ga"
    }
  }

  /// The command line for a start in `directory`, with `ports` for the TCP monitors (in order),
  /// and the addresses each monitor will have.
  func commandLine(directory: TemporaryDirectory, ports: [Int]) -> (
    arguments: [String], addresses: [PeerAddress]
  ) {
    if program == .guestAgent {
      let path = directory.file("ga.sock")
      let arguments =
        [
          "-m", "unix-listen", "-p", path, "-f", directory.file("ga.pid"), "-t", directory.path,
        ] + (blockedCommands.isEmpty ? [] : ["-b", blockedCommands.joined(separator: ",")])
        + extraArguments
      return (arguments, [.unix(path: path)])
    }
    let dash = program == .storageDaemon ? "--" : "-"
    var arguments: [String] =
      program == .systemEmulator ? ["-machine", "none", "-nodefaults", "-display", "none"] : []
    var addresses: [PeerAddress] = []
    var nextPort = ports.makeIterator()
    for (index, monitor) in monitors.enumerated() {
      let id = "qmp\(index)"
      var chardev = "socket,id=\(id)"
      switch monitor.transport {
      case .unix:
        let path = directory.file("qmp\(index).sock")
        chardev += ",path=\(path),server=on,wait=off"
        addresses.append(.unix(path: path))
      case .tcp:
        let port = nextPort.next() ?? 0
        chardev += ",host=127.0.0.1,port=\(port),server=on,wait=off"
        addresses.append(.tcp(host: "127.0.0.1", port: port))
      case .dialUnix(let path):
        chardev += ",path=\(path),server=off,reconnect=1"
        addresses.append(.unix(path: path))
      }
      arguments += [dash + "chardev", chardev]
      var mon = "chardev=\(id),mode=control"
      if monitor.pretty { mon += ",pretty=on" }
      arguments += [program == .storageDaemon ? "--monitor" : "-mon", mon]
    }
    return (arguments + extraArguments, addresses)
  }

  var tcpMonitorCount: Int {
    program == .guestAgent ? 0 : monitors.filter { $0.transport == .tcp }.count
  }
}
