import ArgumentParser
import QMPClient
import QMPShell

/// Where the peer comes from and which dialect it speaks: `--launch`, `--listen`, `--agent`,
/// `-N`. Kept apart from the main command so the session-target logic has one home.
struct LaunchOptions: ParsableArguments {
  @Flag(
    name: .customLong("launch"),
    help: ArgumentHelp(
      "Start QEMU with the arguments after -- (default: a scratch '-machine none' VM) and a "
        + "QMP socket in a private directory; stop it when the session ends."))
  var launch = false

  @Option(
    name: .customLong("qemu"),
    help: ArgumentHelp(
      "With --launch: the QEMU binary, a path or a name looked up in PATH (default: qemu-system-x86_64).",
      valueName: "PATH"))
  var qemu: String?

  @Flag(
    name: .customLong("listen"),
    help: ArgumentHelp(
      "Listen on ADDRESS and take the one QEMU that connects (-chardev socket,...,server=off); "
        + "bounded by --connect-timeout (default 60 s)."))
  var listen = false

  @Flag(
    name: [.customShort("g"), .customLong("agent")],
    help: "Talk to qemu-ga: no greeting or events; synchronise with guest-sync-delimited.")
  var agent = false

  @Flag(
    name: [.customShort("N"), .customLong("skip-negotiation")],
    help: "Read the greeting but do not send qmp_capabilities.")
  var skipNegotiation = false

  @Argument(
    parsing: .postTerminator,
    help: ArgumentHelp(
      "With --launch: QEMU's arguments, passed to exec unchanged.", valueName: "QEMU-ARG"))
  var qemuArguments: [String] = []

  mutating func validate() throws {
    if launch && listen { throw ValidationError("--launch and --listen cannot be used together") }
    if launch && agent {
      throw ValidationError("--launch starts QEMU, not qemu-ga: it cannot be used with --agent")
    }
    if !launch && qemu != nil { throw ValidationError("--qemu needs --launch") }
    if !launch && !qemuArguments.isEmpty {
      throw ValidationError("arguments after -- are QEMU's and need --launch")
    }
  }

  /// The default of `--connect-timeout`: a listener waits for a person to start QEMU.
  var defaultConnectTimeout: Double { listen ? 60 : 10 }

  /// The dialect options applied to the client's configuration.
  func configure(_ configuration: inout QMPClient.Configuration) {
    if agent { configuration.mode = .guestAgent }
    if skipNegotiation { configuration.negotiation = .skip }
  }

  /// Where the session's peer is. ADDRESS (or `$QMP_SOCKET`) is dialled, or listened on with
  /// `--listen`; `--launch` takes none.
  func target(address: String?, environment: [String: String]) throws(ShellError)
    -> SessionTarget
  {
    if launch {
      if let address {
        throw ShellError(
          .usage,
          "--launch starts its own QEMU and takes no ADDRESS (got '\(address)'); put QEMU's arguments after --"
        )
      }
      return .launch(
        LaunchSpec(executable: qemu ?? "qemu-system-x86_64", arguments: qemuArguments))
    }
    guard
      let address = address ?? environment["QMP_SOCKET"].flatMap({ $0.isEmpty ? nil : $0 })
    else {
      throw ShellError(
        .usage,
        listen
          ? "--listen needs an ADDRESS to listen on (a UNIX socket path or HOST:PORT)"
          : "no QMP socket given: pass a socket path or HOST:PORT, or set QMP_SOCKET")
    }
    let endpoint: Endpoint
    do {
      endpoint = try Endpoint(parsing: address)
    } catch {
      throw ShellError(.usage, "\(error)")
    }
    return listen ? .listen(endpoint) : .connect(endpoint)
  }
}
