import AsyncProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import Testing

/// Real sessions over real sockets: a session that accepts and one that connects.
@Suite struct SessionTests {
  /// Starts `server.accept(on:)` and returns once it listens, with the bound endpoint.
  private func listen(
    _ server: ProtocolSession<LineCodec>, on endpoint: Endpoint
  ) async throws -> (Endpoint, Task<Void, any Error>) {
    let (bound, continuation) = AsyncStream<Endpoint>.makeStream()
    let accepting = Task {
      try await server.accept(on: endpoint) { actual in continuation.yield(actual) }
    }
    for await actual in bound { return (actual, accepting) }
    throw PeerClosedError()
  }

  @Test(arguments: [
    "unix", "127.0.0.1", "::1", "localhost",
  ])
  func clientAndServerSession(transport: String) async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let requested: Endpoint =
        transport == "unix" ? .unix(path: "\(dir)/s.sock") : .tcp(host: transport, port: 0)
      let (server, serverInbox) = makeSession(name: "server")
      let (client, clientInbox) = makeSession(name: "client")
      let serverStates = server.runstateChanges()
      let clientStates = client.runstateChanges()

      let (endpoint, accepting) = try await listen(server, on: requested)
      if case .tcp = endpoint { #expect(endpoint.port != 0) }
      try await client.connect(to: endpoint)
      try await accepting.value

      for i in 0..<3 { try await client.send("ping \(i)") }
      #expect(try await serverInbox.messages(3) == ["ping 0", "ping 1", "ping 2"])
      try await server.send("pong")
      #expect(try await clientInbox.messages(1) == ["pong"])

      try await client.disconnect()
      #expect(await serverInbox.failure() is PeerClosedError)
      await #expect(throws: PeerClosedError.self) { try await server.disconnect() }
      #expect(await firstStates(clientStates, count: 5) == goodSequence)
      #expect(await firstStates(serverStates, count: 5) == goodSequence)
    }
  }

  @Test func sessionCanBeReusedAfterDisconnect() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (client, clientInbox) = makeSession()
      let states = client.runstateChanges()
      for round in 0..<2 {
        let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/r\(round).sock")) {
          inbound, outbound in
          try await outbound.write("round \(round)\n")
          return try await RawPeer.readLines(inbound)
        }
        try await client.connect(to: endpoint)
        #expect(try await clientInbox.messages(1) == ["round \(round)"])
        try await client.send("bye \(round)")
        try await client.disconnect()
        #expect(try await peer.value == ["bye \(round)"])
      }
      #expect(await firstStates(states, count: 9) == goodSequence + goodSequence.dropFirst())
    }
  }

  @Test func handshakeTalksFirstAndLaterMessagesReachTheOwnerInOrder() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/h.sock")) {
        inbound, outbound in
        // Greeting and two events at once, before the client could answer.
        try await outbound.write("greeting\nevent 1\nevent 2\n")
        let lines = try await RawPeer.readLines(inbound, count: 2)
        try await outbound.write("reply\n")
        return lines
      }
      let seen = NIOLockedValueBox<[String]>([])
      let (session, inbox) = makeSession { channel in
        let greeting = try await channel.receive()
        seen.withLockedValue { $0.append(greeting) }
        try await channel.send("negotiate")
      }
      let states = session.runstateChanges()
      try await session.connect(to: endpoint)
      #expect(seen.withLockedValue { $0 } == ["greeting"])
      try await session.send("command")
      #expect(try await inbox.messages(3) == ["event 1", "event 2", "reply"])
      #expect(try await peer.value == ["negotiate", "command"])
      #expect(await inbox.failure() is PeerClosedError)
      await #expect(throws: PeerClosedError.self) { try await session.disconnect() }
      #expect(await firstStates(states, count: 5) == goodSequence)
    }
  }

  @Test func handshakeChannelIsClosedOnceTheSessionRuns() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/h.sock")) {
        inbound, outbound in
        try await outbound.write("greeting\nafter\n")
        return try await RawPeer.readLines(inbound)
      }
      let kept = NIOLockedValueBox<HandshakeChannel<String>?>(nil)
      let (session, inbox) = makeSession { channel in
        _ = try await channel.receive()
        kept.withLockedValue { $0 = channel }
      }
      try await session.connect(to: endpoint)
      #expect(try await inbox.messages(1) == ["after"])
      let stale = try #require(kept.withLockedValue { $0 })
      await #expect(throws: SessionClosedError()) { _ = try await stale.receive() }
      try await session.disconnect()
      #expect(try await peer.value == [])
    }
  }

  struct Rejected: Error, Equatable {}

  @Test func handshakeFailureIsAConnectErrorInTheHandshakePhase() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/h.sock")) {
        inbound, outbound in
        try await outbound.write("wrong greeting\n")
        return try await RawPeer.readLines(inbound)
      }
      let (session, _) = makeSession { channel in
        if try await channel.receive() != "greeting" { throw Rejected() }
      }
      let states = session.runstateChanges()
      let error = await expectConnectError { try await session.connect(to: endpoint) }
      #expect(error?.phase == .handshake)
      #expect(error?.underlying as? Rejected == Rejected())
      #expect(await firstStates(states, count: 4) == badSequence)
      #expect(try await peer.value == [])
    }
  }

  @Test func peerHangingUpDuringTheHandshake() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, _) = try await RawPeer.serve(on: .unix(path: "\(dir)/h.sock")) { _, _ in }
      let (session, _) = makeSession { channel in _ = try await channel.receive() }
      let states = session.runstateChanges()
      let error = await expectConnectError { try await session.connect(to: endpoint) }
      #expect(error?.phase == .handshake)
      #expect(error?.underlying is PeerClosedError)
      #expect(await firstStates(states, count: 4) == badSequence)
    }
  }

  @Test func hooksRewriteAndDropMessagesBothWays() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/k.sock")) {
        inbound, outbound in
        try await outbound.write("keep\nsecret\nlast\n")
        return try await RawPeer.readLines(inbound)
      }
      let (session, inbox) = makeSession()
      session.setInboundHook { $0 == "secret" ? nil : $0.uppercased() }
      session.setOutboundHook { $0.hasPrefix("skip") ? nil : "[\($0)]" }
      try await session.connect(to: endpoint)
      #expect(try await inbox.messages(2) == ["KEEP", "LAST"])
      try await session.send("a")
      try await session.send("skip me")
      session.setOutboundHook(nil)
      try await session.send("b")
      try await session.disconnect()
      #expect(try await peer.value == ["[a]", "b"])
    }
  }

  @Test func wireTrafficIsLoggedAtTrace() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/l.sock")) {
        inbound, outbound in
        try await outbound.write("from peer\n")
        return try await RawPeer.readLines(inbound)
      }
      let store = LogStore()
      let inbox = Inbox()
      let session = ProtocolSession(
        codec: LineCodec(), configuration: .init(name: "logged"),
        logger: Logger(label: "t", factory: { _ in CapturingLogHandler(store: store) }),
        onEvent: inbox.handler)
      try await session.connect(to: endpoint)
      #expect(try await inbox.messages(1) == ["from peer"])
      try await session.send("to peer")
      try await session.disconnect()
      #expect(try await peer.value == ["to peer"])
      let lines = store.lines
      #expect(lines.contains("trace <-- from peer"))
      #expect(lines.contains("trace --> to peer"))
      #expect(lines.contains("info runstate connecting -> running"))
      #expect(lines.contains("info runstate disconnecting -> idle"))
      #expect(lines.contains("debug runstate idle -> connecting"))
    }
  }
}
