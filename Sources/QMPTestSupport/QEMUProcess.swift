import Foundation

/// A running qemu-system-x86_64, qemu-storage-daemon or qemu-ga, in its own temporary directory.
///
/// Prefer ``withQEMU(_:_:)``, which always stops the peer and removes its directory, also when
/// the test throws. ``start(_:)`` plus ``stop()`` is for tests that need the peer to outlive a
/// scope or to die mid-test (``kill(signal:)``).
public final class QEMUProcess: Sendable {
  public let configuration: QEMUConfiguration
  public let directory: TemporaryDirectory
  /// One address per configured monitor, in order (the guest agent has exactly one).
  public let monitorAddresses: [PeerAddress]
  public let child: ChildProcess

  /// The first monitor's address: the one most tests talk to.
  public var address: PeerAddress { monitorAddresses[0] }

  /// Everything the peer printed so far (useful in failure messages).
  public var log: String { child.log }

  private init(
    configuration: QEMUConfiguration, directory: TemporaryDirectory,
    monitorAddresses: [PeerAddress], child: ChildProcess
  ) {
    self.configuration = configuration
    self.directory = directory
    self.monitorAddresses = monitorAddresses
    self.child = child
  }

  /// Starts the peer and returns once every listening monitor accepts connections.
  ///
  /// TCP ports are picked by binding port 0; if QEMU then loses the race for the port, the
  /// start is retried with fresh ports. On any failure nothing is left running or on disk.
  public static func start(_ configuration: QEMUConfiguration) async throws -> QEMUProcess {
    let executable = try ChildProcess.locate(configuration.executableName)
    var attempt = 0
    while true {
      attempt += 1
      let directory = try TemporaryDirectory()
      do {
        let ports = try (0..<configuration.tcpMonitorCount).map { _ in
          try LocalSockets.freeTCPPort()
        }
        let (arguments, addresses) = configuration.commandLine(directory: directory, ports: ports)
        let child = try ChildProcess(
          executable: executable, arguments: arguments, logPath: directory.file("log"))
        let peer = QEMUProcess(
          configuration: configuration, directory: directory, monitorAddresses: addresses,
          child: child)
        do {
          try await peer.waitUntilListening()
          return peer
        } catch {
          await peer.stop()
          let portTaken = peer.log.contains("Address already in use")
          if portTaken && attempt < 5 { continue }
          throw error
        }
      } catch {
        directory.remove()
        throw error
      }
    }
  }

  /// Polls the listening monitors until each accepts a connection, failing early with the
  /// peer's own output when it exits instead (bad option, port taken, missing binary).
  private func waitUntilListening() async throws {
    let listening: [PeerAddress]
    if configuration.program == .guestAgent {
      listening = monitorAddresses
    } else {
      listening = zip(configuration.monitors, monitorAddresses).compactMap {
        (monitor, address) -> PeerAddress? in
        if case .dialUnix = monitor.transport { return nil }
        return address
      }
    }
    let deadline = ContinuousClock.now + configuration.startTimeout
    var remaining = listening
    while !remaining.isEmpty {
      if let status = child.exitStatus {
        throw TestSupportError(
          "\(configuration.executableName) exited with status \(status) while starting: "
            + log.trimmingCharacters(in: .whitespacesAndNewlines))
      }
      // QMP monitors greet; the guest agent says nothing until asked.
      if configuration.program == .guestAgent {
        remaining.removeAll { LocalSockets.accepts($0) }
      } else {
        remaining.removeAll { LocalSockets.servesOneClient($0) }
      }
      if remaining.isEmpty { break }
      if ContinuousClock.now >= deadline {
        throw TestSupportError(
          "\(configuration.executableName) did not accept connections on \(remaining) within "
            + "\(configuration.startTimeout); its output: \(log)")
      }
      try await Task.sleep(for: .milliseconds(5))
    }
  }

  /// Sends `signal` to the peer now (e.g. SIGKILL to test a peer that vanishes).
  public func kill(signal: Int32 = SIGKILL) {
    child.send(signal: signal)
  }

  /// Waits for the peer to exit on its own (e.g. after `quit`); nil if it did not in time.
  public func waitForExit(limit: Duration = .seconds(10)) async -> Int32? {
    await child.waitForExit(limit: limit)
  }

  /// SIGTERM, SIGKILL after a grace period, reap, remove the directory. Safe to call twice.
  public func stop() async {
    await child.stop()
    directory.remove()
  }
}

/// Starts a peer, runs `body` with it, and always stops it and removes its files afterwards,
/// whether `body` returns or throws (or the task is cancelled).
public func withQEMU<R>(
  _ configuration: QEMUConfiguration = .systemEmulator(),
  _ body: (QEMUProcess) async throws -> R
) async throws -> R {
  let peer = try await QEMUProcess.start(configuration)
  do {
    let result = try await body(peer)
    await peer.stop()
    return result
  } catch {
    await peer.stop()
    throw error
  }
}
