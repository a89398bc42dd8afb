import AsyncProtocol
import Testing

@Suite struct SmokeTests {
  @Test func twoSessionsTalkOverAUnixSocket() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let endpoint = Endpoint.unix(path: "\(dir)/s.sock")
      let (server, serverInbox) = makeSession(name: "server")
      let (client, clientInbox) = makeSession(name: "client")
      let listening = AsyncStream<Void>.makeStream()
      async let accepted: Void = server.accept(on: endpoint) { _ in
        listening.continuation.yield()
      }
      for await _ in listening.stream { break }
      try await client.connect(to: endpoint)
      try await accepted
      #expect(client.runstate == .running)
      #expect(server.runstate == .running)

      try await client.send("hello")
      try await server.send("world")
      #expect(try await serverInbox.messages(1) == ["hello"])
      #expect(try await clientInbox.messages(1) == ["world"])

      try await client.disconnect()
      #expect(client.runstate == .idle)
      #expect(await serverInbox.failure() is PeerClosedError)
      await #expect(throws: PeerClosedError.self) { try await server.disconnect() }
      #expect(server.runstate == .idle)
    }
  }
}
