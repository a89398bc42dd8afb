import AsyncProtocol
import NIOCore
import NIOPosix
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// The connect and accept cases of qemu.qmp's protocol test suite, plus the timeouts and
/// state errors around them. Every test checks the exact runstate sequence.
@Suite struct ConnectTests {
  @Test func superfluousDisconnectChangesNothing() async throws {
    try await withTimeout {
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      try await session.disconnect()
      try await session.disconnect()
      #expect(session.runstate == .idle)
      // Had disconnect() moved through other states, they would show up before these.
      let port = try unusedTCPPort()
      _ = await expectConnectError {
        try await session.connect(to: .tcp(host: "127.0.0.1", port: port))
      }
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test func refusedTCPConnect() async throws {
    try await withTimeout {
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      let port = try unusedTCPPort()
      let error = await expectConnectError {
        try await session.connect(to: .tcp(host: "127.0.0.1", port: port))
      }
      #expect(error?.phase == .transport)
      #expect(error?.description.hasPrefix("failed to establish connection: ") == true)
      #expect(await firstStates(states, count: 4) == badSequence)
      #expect(session.runstate == .idle)
    }
  }

  @Test(arguments: ["/dev/null", "/nonexistent/qmp.sock"])
  func badUnixConnect(path: String) async throws {
    try await withTimeout {
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      let error = await expectConnectError { try await session.connect(to: .unix(path: path)) }
      #expect(error?.phase == .transport)
      #expect(error?.underlying is IOError)
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test func acceptOnAnAddressThatIsNotOurs() async throws {
    try await withTimeout {
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      // 192.0.2.0/24 is reserved for documentation: no interface here has it.
      let error = await expectConnectError {
        try await session.accept(on: .tcp(host: "192.0.2.1", port: 1))
      }
      #expect(error?.phase == .transport)
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test func acceptOnAPathThatIsNotASocketLeavesItAlone() async throws {
    try await withTimeout {
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      let error = await expectConnectError {
        try await session.accept(on: .unix(path: "/dev/null"))
      }
      #expect(error?.phase == .transport)
      #expect(await firstStates(states, count: 4) == badSequence)
      var info = stat()
      #expect(stat("/dev/null", &info) == 0)
      #expect(info.st_mode & S_IFMT == S_IFCHR)
    }
  }

  /// Starts a connect or accept that cannot complete on its own.
  private func hangingOpen(
    _ opening: Opening, _ session: ProtocolSession<LineCodec>, dir: String, jam: JammedListener
  ) async throws {
    switch opening {
    case .connect: try await session.connect(to: jam.endpoint)
    case .accept: try await session.accept(on: .unix(path: "\(dir)/nobody.sock"))
    }
  }

  @Test(arguments: Opening.allCases)
  func cancellationReturnsToIdle(opening: Opening) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let jam = try JammedListener()
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      let attempt = Task { try await hangingOpen(opening, session, dir: dir, jam: jam) }
      await waitFor(session, .connecting)
      attempt.cancel()
      await #expect(throws: CancellationError.self) { try await attempt.value }
      #expect(session.runstate == .idle)
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test(arguments: Opening.allCases)
  func transportTimeout(opening: Opening) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let jam = try JammedListener()
      let (session, _) = makeSession(timeout: .milliseconds(200))
      let states = session.runstateChanges()
      let error = await expectConnectError {
        try await hangingOpen(opening, session, dir: dir, jam: jam)
      }
      #expect(error?.phase == .transport)
      #expect(
        error?.underlying as? ConnectTimeoutError
          == ConnectTimeoutError(timeout: .milliseconds(200)))
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test func handshakeTimeoutWhenThePeerStaysSilent() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/mute.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession(timeout: .milliseconds(200)) { channel in
        _ = try await channel.receive()
      }
      let states = session.runstateChanges()
      let error = await expectConnectError { try await session.connect(to: endpoint) }
      #expect(error?.phase == .handshake)
      #expect(error?.underlying is ConnectTimeoutError)
      #expect(await firstStates(states, count: 4) == badSequence)
      // The silent peer saw us hang up.
      #expect(try await peer.value == [])
    }
  }

  @Test func cancellationDuringTheHandshake() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/mute.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (entered, handshakeEntered) = AsyncStream<Void>.makeStream()
      let (session, _) = makeSession { channel in
        handshakeEntered.yield()
        _ = try await channel.receive()
      }
      let states = session.runstateChanges()
      let attempt = Task { try await session.connect(to: endpoint) }
      for await _ in entered { break }
      attempt.cancel()
      await #expect(throws: CancellationError.self) { try await attempt.value }
      #expect(await firstStates(states, count: 4) == badSequence)
      #expect(try await peer.value == [])
    }
  }

  /// A peer that answers every line with `echo LINE`, until the client hangs up.
  private func echoPeer(at path: String) async throws -> (Endpoint, Task<Void, any Error>) {
    try await RawPeer.serve(on: .unix(path: path)) { inbound, outbound in
      var reader = LineReader(inbound)
      while let line = try await reader.next() { try await outbound.write("echo \(line)\n") }
    }
  }

  @Test func aTimeoutDoesNotOutliveASuccessfulConnect() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await echoPeer(at: "\(dir)/ok.sock")
      // Generous, so that a loaded machine still connects in time.
      let (session, inbox) = makeSession(timeout: .seconds(3))
      try await session.connect(to: endpoint)
      // Outlive the connect timeout on purpose: it must not fire on a running session.
      try await Task.sleep(for: .milliseconds(3500))
      #expect(session.runstate == .running)
      try await session.send("still here")
      #expect(try await inbox.messages(1) == ["echo still here"])
      try await session.disconnect()
      _ = try await peer.value
    }
  }

  /// A caller's "forever" (the largest `Duration` there is) as connect and send timeout: the
  /// conversion to NIO's 64-bit nanoseconds, and the second NIO's own connect timeout adds to
  /// it, must not overflow (they trapped: `--connect-timeout 9e18` crashed the shell).
  @Test func anUnboundedTimeoutConnectsAndSends() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await echoPeer(at: "\(dir)/forever.sock")
      let forever = Duration.seconds(Int64.max)
      let (session, inbox) = makeSession(timeout: forever)
      try await session.connect(to: endpoint)
      try await session.send("hello", timeout: forever)
      #expect(try await inbox.messages(1) == ["echo hello"])
      try await session.disconnect()
      _ = try await peer.value
    }
  }

  @Test(arguments: Opening.allCases, Opening.allCases)
  func openWhileConnectingIsAStateError(first: Opening, second: Opening) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let jam = try JammedListener()
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      let attempt = Task { try await hangingOpen(first, session, dir: dir, jam: jam) }
      await waitFor(session, .connecting)
      await #expect(throws: StateError(current: .connecting, required: .idle)) {
        try await second.open(session, .unix(path: "/dev/null"))
      }
      attempt.cancel()
      await #expect(throws: CancellationError.self) { try await attempt.value }
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test func watcherStartedLateSeesTheCurrentStateFirst() async throws {
    try await withTimeout {
      let jam = try JammedListener()
      let (session, _) = makeSession()
      let attempt = Task { try await session.connect(to: jam.endpoint) }
      await waitFor(session, .connecting)
      let late = session.runstateChanges()
      attempt.cancel()
      _ = try? await attempt.value
      #expect(await firstStates(late, count: 3) == [.connecting, .disconnecting, .idle])
    }
  }

  @Test func everyWatcherSeesEveryChange() async throws {
    try await withTimeout {
      let (session, _) = makeSession()
      let watchers = (0..<3).map { _ in session.runstateChanges() }
      let port = try unusedTCPPort()
      _ = await expectConnectError {
        try await session.connect(to: .tcp(host: "127.0.0.1", port: port))
      }
      for watcher in watchers {
        #expect(await firstStates(watcher, count: 4) == badSequence)
      }
    }
  }

  @Test(arguments: Opening.allCases)
  func disconnectWhileConnectingAbortsTheAttempt(opening: Opening) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let jam = try JammedListener()
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      let attempt = Task { try await hangingOpen(opening, session, dir: dir, jam: jam) }
      await waitFor(session, .connecting)
      try await session.disconnect()
      #expect(session.runstate == .idle)
      let error = await expectConnectError { try await attempt.value }
      #expect(error?.phase == .transport)
      #expect(error?.underlying is SessionClosedError)
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }
}

/// `connect`, `accept` and `send` in the states that forbid them.
@Suite struct StateRequirementTests {
  @Test(arguments: Opening.allCases)
  func openWhileRunning(opening: Opening) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/p.sock")) {
        inbound, _ in try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession()
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      await #expect(throws: StateError(current: .running, required: .idle)) {
        try await opening.open(session, .unix(path: "\(dir)/other.sock"))
      }
      let stateError = StateError(current: .running, required: .idle)
      #expect(stateError.description.contains("already connected and running"))
      try await session.disconnect()
      #expect(try await peer.value == [])
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }

  @Test(arguments: Opening.allCases)
  func openWhileDisconnecting(opening: Opening) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      // The peer hangs up at once: the session fails and waits in DISCONNECTING.
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/p.sock")) { _, _ in }
      let (session, inbox) = makeSession()
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      #expect(await inbox.failure() is PeerClosedError)
      #expect(session.runstate == .disconnecting)
      await #expect(throws: StateError(current: .disconnecting, required: .idle)) {
        try await opening.open(session, .unix(path: "\(dir)/other.sock"))
      }
      await #expect(throws: PeerClosedError()) { try await session.disconnect() }
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }

  @Test func sendRequiresRunning() async throws {
    let (session, _) = makeSession()
    await #expect(throws: StateError(current: .idle, required: .running)) {
      try await session.send("too early")
    }
  }
}
