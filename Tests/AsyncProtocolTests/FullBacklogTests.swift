import AsyncProtocol
import Testing

/// A UNIX peer whose backlog is full (QEMU, which listens with a backlog of 1 and serves one
/// client at a time, right after another client) is waited for, as a blocking connect would,
/// not refused at once with "Resource temporarily unavailable".
@Suite struct FullBacklogTests {
  @Test func aFullBacklogIsWaitedForUntilThePeerMakesRoom() async throws {
    let directory = makeTempDir()
    defer { removeTempDir(directory) }
    try await withTimeout {
      let peer = try FullUnixBacklog(directory: directory)
      try #require(peer.isFull())
      let (session, _) = makeSession(timeout: .seconds(10))
      let connecting = Task { try await session.connect(to: peer.endpoint) }
      // Before the fix the connect failed with EAGAIN at once, whenever room was made;
      // with it, the connect waits and succeeds once the peer accepts its earlier client.
      try await Task.sleep(for: .milliseconds(100))
      peer.acceptOne()
      try await connecting.value
      #expect(session.runstate == .running)
      try await session.disconnect()
    }
  }

  @Test func aBacklogThatStaysFullEndsInTheConnectTimeoutAndSaysWhy() async throws {
    let directory = makeTempDir()
    defer { removeTempDir(directory) }
    try await withTimeout {
      let peer = try FullUnixBacklog(directory: directory)
      try #require(peer.isFull())
      let (session, _) = makeSession(timeout: .milliseconds(300))
      let error = await expectConnectError { try await session.connect(to: peer.endpoint) }
      #expect(error?.phase == .transport)
      let timeout = error?.underlying as? ConnectTimeoutError
      #expect(timeout?.timeout == .milliseconds(300))
      #expect(timeout?.description.contains("backlog") == true)
      #expect(session.runstate == .idle)
    }
  }

  @Test func aFullBacklogStillEndsOnCancellation() async throws {
    let directory = makeTempDir()
    defer { removeTempDir(directory) }
    try await withTimeout {
      let peer = try FullUnixBacklog(directory: directory)
      try #require(peer.isFull())
      let (session, _) = makeSession()
      let connecting = Task { try await session.connect(to: peer.endpoint) }
      await waitFor(session, .connecting)
      connecting.cancel()
      await #expect(throws: CancellationError.self) { try await connecting.value }
      #expect(session.runstate == .idle)
    }
  }
}
