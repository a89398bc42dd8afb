import Foundation
import QMPTestSupport
import Testing

/// `--listen`, `--agent`, `-N` and TCP addresses, each against the real program.
@Suite(.timeLimit(.minutes(1)))
struct ConnectionModeTests {
  @Test func listenTakesTheQEMUThatDialsIn() async throws {
    try await withTemporaryDirectory { folder in
      let path = folder.file("l.sock")
      let shell = try ScriptProcess(["--listen", path, "-r", "-c", "query-name"])
      try await waitUntil("the listening socket") { FileManager.default.fileExists(atPath: path) }
      // QEMU dials the shell's socket: it must be listening before QEMU starts.
      let qemu = try ChildProcess(
        executable: try ChildProcess.locate("qemu-system-x86_64"),
        arguments: [
          "-machine", "none", "-nodefaults", "-display", "none", "-name", "dialler",
          "-chardev", "socket,id=m,path=\(path),server=off", "-mon", "chardev=m,mode=control",
        ], logPath: folder.file("qemu.log"))
      defer { Task { await qemu.stop() } }
      let run = try await shell.finish()
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == #"{"name":"dialler"}"# + "\n")
      // The shell removes the socket it bound once the peer is in.
      #expect(!FileManager.default.fileExists(atPath: path))
      await qemu.stop()
    }
  }

  @Test func listenOnTCPTakesTheQEMUThatDialsIn() async throws {
    try await withTemporaryDirectory { folder in
      let port = try LocalSockets.freeTCPPort()
      let shell = try ScriptProcess(["--listen", "127.0.0.1:\(port)", "-r", "-c", "query-name"])
      // reconnect=1: QEMU retries each second until the shell listens (probing the port
      // would itself be the one connection the shell takes).
      let qemu = try ChildProcess(
        executable: try ChildProcess.locate("qemu-system-x86_64"),
        arguments: [
          "-machine", "none", "-nodefaults", "-display", "none", "-name", "tcp-dialler",
          "-chardev", "socket,id=m,host=127.0.0.1,port=\(port),server=off,reconnect=1",
          "-mon", "chardev=m,mode=control",
        ], logPath: folder.file("qemu.log"))
      let run = try await shell.finish()
      await qemu.stop()
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == #"{"name":"tcp-dialler"}"# + "\n")
    }
  }

  @Test func listenGivesUpAfterTheConnectTimeout() async throws {
    try await withTemporaryDirectory { folder in
      let path = folder.file("l.sock")
      let started = ContinuousClock.now
      let run = try await ShellBinary.run([
        "--listen", path, "--connect-timeout", "0.3", "-c", "query-status",
      ])
      #expect(run.status == 3)
      #expect(run.stderr == "qmp-shell: nothing connected to \(path) within 0.3 s\n")
      #expect(ContinuousClock.now - started < .seconds(10).scaledForTests)
      #expect(!FileManager.default.fileExists(atPath: path))
    }
  }

  @Test func listenOnAnUnusableAddressFails() async throws {
    let run = try await ShellBinary.run([
      "--listen", "/nonexistent-dir/l.sock", "-c", "query-status",
    ])
    #expect(run.status == 3)
    #expect(run.stderr.hasPrefix("qmp-shell: cannot listen on /nonexistent-dir/l.sock: "))
  }

  @Test func agentModeTalksToQemuGA() async throws {
    try await withQEMU(.guestAgent()) { agent in
      let run = try await ShellBinary.run([
        "--agent", agent.address.description, "-c", "guest-ping", "-c", "guest-info",
      ])
      #expect(run.status == 0, "\(run.stderr)")
      let lines = run.stdout.split(separator: "\n")
      #expect(lines.count == 2)
      #expect(lines.first == #"{"return":{}}"#)
      #expect(lines.last?.contains(#""supported_commands""#) == true)
    }
  }

  @Test func agentModeRecoversAParserLeftDirty() async throws {
    try await withQEMU(.guestAgent()) { agent in
      // Half a command, which qemu-ga keeps in its parser for the next client.
      let previous = try await RawPeerConnection.connect(to: agent.address)
      try await previous.send("{\"execute\":\"guest-info\",\"arguments\":{\"x\":[1,")
      await previous.close()
      let run = try await ShellBinary.run(["-g", agent.address.description, "-c", "guest-ping"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout == #"{"return":{}}"# + "\n")
      #expect(run.stderr.isEmpty)
    }
  }

  @Test func agentModeReportsAnAgentError() async throws {
    try await withQEMU(.guestAgent()) { agent in
      let run = try await ShellBinary.run([
        "-g", agent.address.description, "-c", "guest-shutdown mode=powerdown",
      ])
      #expect(run.status == 1)
      #expect(run.stderr.contains("guest-shutdown"))
      #expect(run.stderr.contains("disabled"))
    }
  }

  @Test func skipNegotiationLeavesQEMUExpectingCapabilities() async throws {
    try await withQEMU { qemu in
      let skipped = try await ShellBinary.run([
        "-N", qemu.address.description, "-c", "query-status",
      ])
      #expect(skipped.status == 1)
      #expect(skipped.stderr.contains("Expecting capabilities negotiation"))
      let manual = try await ShellBinary.run([
        "-N", qemu.address.description, "-c", "qmp_capabilities", "-c", "query-status",
      ])
      #expect(manual.status == 0, "\(manual.stderr)")
      #expect(manual.stdout.contains(#""status":"running""#))
    }
  }

  @Test func tcpAddressReachesQEMU() async throws {
    try await withQEMU(.systemEmulator(monitors: [.tcp])) { qemu in
      guard case .tcp(let host, let port) = qemu.address else {
        Issue.record("expected a TCP monitor, got \(qemu.address)")
        return
      }
      let run = try await ShellBinary.run(["\(host):\(port)", "-c", "query-status"])
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout.contains(#""status":"running""#))
    }
  }

  @Test func bracketedIPv6AddressReachesQEMU() async throws {
    let port = try LocalSockets.freeTCPPort()
    try await withQEMU(
      .systemEmulator(
        monitors: [],
        extraArguments: [
          // The -qmp tcp: shorthand cannot parse a bracketed address; -chardev can.
          "-chardev", "socket,id=v6,host=::1,port=\(port),server=on,wait=off",
          "-mon", "chardev=v6,mode=control",
        ])
    ) { _ in
      let run = try await ShellBinary.run(
        [
          // Nothing waited for this monitor to listen: the shell's retry does (generously:
          // the machine may be loaded by other test runs).
          "[::1]:\(port)", "--connect-timeout", "15", "-c", "query-status",
        ], timeout: .seconds(50))
      #expect(run.status == 0, "\(run.stderr)")
      #expect(run.stdout.contains(#""status":"running""#))
    }
  }
}
