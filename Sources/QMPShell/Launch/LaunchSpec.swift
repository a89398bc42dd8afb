/// What `--launch` runs: the QEMU binary and the user's arguments, before the shell adds its
/// own QMP socket.
public struct LaunchSpec: Sendable, Hashable {
  /// A name looked up in `PATH`, or a path (anything with a `/`).
  public var executable: String
  /// The arguments after `--`, passed to exec unchanged (never through a shell).
  public var arguments: [String]

  /// Used when the user gives no QEMU arguments: a machine with no guest, no devices and no
  /// window, which starts in a few milliseconds and is enough to explore QMP.
  public static let scratchArguments = ["-machine", "none", "-nodefaults", "-display", "none"]

  /// Options that choose a display; without one the shell adds `-display none`, because a QEMU
  /// built without GTK/SDL would otherwise open a VNC server on port 5900.
  static let displayOptions: Set<String> = [
    "-display", "-nographic", "-vnc", "-sdl", "-curses", "-spice",
  ]

  public init(executable: String = "qemu-system-x86_64", arguments: [String] = []) {
    self.executable = executable
    self.arguments = arguments
  }

  /// Refuses `-daemonize`: QEMU would fork away from the process the shell waits for, and
  /// then outlive the session, which is exactly what `--launch` promises never happens.
  public func validate() throws(ShellError) {
    for argument in arguments where argument == "-daemonize" || argument == "--daemonize" {
      throw ShellError(
        .usage, "--launch cannot pass \(argument): QEMU would detach and outlive the shell")
    }
  }

  /// The full argument list for a QMP socket at `socketPath`: the user's arguments (or the
  /// scratch machine), `-display none` unless a display was chosen, then the shell's monitor.
  public func commandLine(socketPath: String) -> [String] {
    var result = arguments.isEmpty ? Self.scratchArguments : arguments
    let choosesDisplay = result.contains { argument in
      let option = argument.hasPrefix("--") ? String(argument.dropFirst()) : argument
      return Self.displayOptions.contains(option)
    }
    if !choosesDisplay { result += ["-display", "none"] }
    // QEMU's option syntax doubles a comma to keep it in a value.
    let escaped = socketPath.split(separator: ",", omittingEmptySubsequences: false)
      .joined(separator: ",,")
    result += ["-qmp", "unix:\(escaped),server=on,wait=off"]
    return result
  }

  /// The program's name for messages: `qemu-system-x86_64`, also when given as a path.
  public var displayName: String {
    executable.split(separator: "/").last.map(String.init) ?? executable
  }
}
