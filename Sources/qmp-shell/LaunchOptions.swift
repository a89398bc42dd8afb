import ArgumentParser

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

  /// The parsed values, for the code that acts on them.
  var settings: LaunchSettings {
    LaunchSettings(
      launch: launch, qemu: qemu, listen: listen, agent: agent, skipNegotiation: skipNegotiation,
      qemuArguments: qemuArguments)
  }
}
