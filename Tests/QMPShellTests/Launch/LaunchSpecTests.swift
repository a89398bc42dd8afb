import QMPShell
import Testing

/// The QEMU command line `--launch` builds from the user's arguments.
struct LaunchSpecTests {
  @Test func noArgumentsGiveTheScratchMachineAndTheShellsSocket() {
    let line = LaunchSpec().commandLine(socketPath: "/tmp/qmp-shell.abc/qmp.sock")
    #expect(
      line == [
        "-machine", "none", "-nodefaults", "-display", "none",
        "-qmp", "unix:/tmp/qmp-shell.abc/qmp.sock,server=on,wait=off",
      ])
  }

  @Test func userArgumentsAreKeptInOrderAndGetNoWindow() {
    let spec = LaunchSpec(arguments: ["-name", "a b; rm -rf /", "-m", "64"])
    let line = spec.commandLine(socketPath: "/d/s")
    #expect(Array(line.prefix(4)) == ["-name", "a b; rm -rf /", "-m", "64"])
    #expect(
      Array(line.dropFirst(4)) == ["-display", "none", "-qmp", "unix:/d/s,server=on,wait=off"])
  }

  @Test(arguments: [["-nographic"], ["-display", "gtk"], ["-vnc", ":3"], ["--display", "sdl"]])
  func aChosenDisplayIsLeftAlone(display: [String]) {
    let line = LaunchSpec(arguments: ["-machine", "none"] + display).commandLine(socketPath: "/s")
    #expect(Array(line.dropLast(2)) == ["-machine", "none"] + display)
  }

  @Test func aCommaInTheSocketPathIsDoubledForQEMUsOptionParser() {
    let line = LaunchSpec(arguments: ["-S"]).commandLine(socketPath: "/tmp/a,b/qmp.sock")
    #expect(line.last == "unix:/tmp/a,,b/qmp.sock,server=on,wait=off")
  }

  @Test(arguments: ["-daemonize", "--daemonize"])
  func daemonizeIsRefused(option: String) {
    let error = #expect(throws: ShellError.self) {
      try LaunchSpec(arguments: ["-machine", "none", option]).validate()
    }
    #expect(error?.status == .usage)
    #expect(error?.message.contains("cannot pass \(option)") == true)
  }

  @Test func displayNameDropsTheDirectory() {
    #expect(
      LaunchSpec(executable: "/usr/bin/qemu-system-aarch64").displayName == "qemu-system-aarch64")
    #expect(LaunchSpec().displayName == "qemu-system-x86_64")
  }
}
