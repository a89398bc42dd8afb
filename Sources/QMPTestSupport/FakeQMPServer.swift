import AsyncProtocol
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import QMPCodec

/// A scripted QMP (or qemu-ga) peer for tests: it listens on a UNIX socket or on 127.0.0.1,
/// greets each client, answers commands through a ``Script``, and counts what it received.
///
/// Every connection runs the same script independently. The server keeps running until
/// ``stop()``; prefer ``withFakeQMPServer(_:on:_:)``, which always stops it.
public final class FakeQMPServer: Sendable {
  public enum Transport: Sendable, Hashable {
    /// A UNIX socket in a fresh private directory.
    case unix
    /// 127.0.0.1 on a port the kernel picks.
    case tcp
  }

  /// Counts of everything the server saw, over all connections.
  public struct Statistics: Sendable, Hashable {
    public var connectionsAccepted = 0
    public var connectionsClosed = 0
    public var commands = 0
    /// Inputs the JSON decoder rejected.
    public var malformedInputs = 0
    /// JSON values that were not commands (no `execute`, not an object, ...).
    public var invalidCommands = 0
    /// 0xFF bytes received.
    public var resetMarkers = 0
    public var bytesReceived = 0
  }

  private struct State {
    var statistics = Statistics()
    var commands: [QMPCommand] = []
    var channels: [ObjectIdentifier: any Channel] = [:]
    var waiters: [(predicate: @Sendable (Statistics) -> Bool, signal: AsyncSignal)] = []
  }

  public let address: PeerAddress
  public let script: Script
  private let directory: TemporaryDirectory?
  private let serverChannel: any Channel
  private let state = NIOLockedValueBox(State())
  private let acceptLoop = NIOLockedValueBox<Task<Void, Never>?>(nil)
  private let unserved: UnservedConnections

  private init(
    address: PeerAddress, script: Script, directory: TemporaryDirectory?,
    serverChannel: any Channel, unserved: UnservedConnections
  ) {
    self.address = address
    self.script = script
    self.directory = directory
    self.serverChannel = serverChannel
    self.unserved = unserved
  }

  /// Binds, starts accepting, and returns at once (the socket already accepts connections).
  public static func start(_ script: Script = Script(), on transport: Transport = .unix)
    async throws -> FakeQMPServer
  {
    let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    let unserved = UnservedConnections()
    let wrap: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> =
      { channel in
        channel.eventLoop.makeCompletedFuture {
          let wrapped = try NIOAsyncChannel<ByteBuffer, ByteBuffer>(
            wrappingChannelSynchronously: channel)
          unserved.insert(wrapped)
          return wrapped
        }
      }
    let directory: TemporaryDirectory?
    let listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    let address: PeerAddress
    switch transport {
    case .unix:
      let made = try TemporaryDirectory(prefix: "fq")
      directory = made
      let path = made.file("qmp.sock")
      do {
        listener = try await bootstrap.bind(
          unixDomainSocketPath: path, cleanupExistingSocketFile: true, childChannelInitializer: wrap
        )
      } catch {
        made.remove()
        throw error
      }
      address = .unix(path: path)
    case .tcp:
      directory = nil
      listener = try await bootstrap.bind(
        host: "127.0.0.1", port: 0, childChannelInitializer: wrap)
      guard let port = listener.channel.localAddress?.port else {
        try? await listener.channel.close()
        throw TestSupportError("the fake server's TCP listener has no port")
      }
      address = .tcp(host: "127.0.0.1", port: port)
    }
    let server = FakeQMPServer(
      address: address, script: script, directory: directory, serverChannel: listener.channel,
      unserved: unserved)
    let task = Task(executorPreference: server.executor) { await server.runAcceptLoop(listener) }
    server.acceptLoop.withLock { $0 = task }
    return server
  }

  /// Where every fake server's tasks run: threads of their own, not Swift's global pool.
  ///
  /// The pool has one thread per core and the test process runs hundreds of tests at once;
  /// with CPU-heavy tests holding both threads of a 2-core machine, a server on the pool
  /// answered a greeting seconds late and timing-bound tests failed under load.
  /// Two loops, servers taking turns, so one flooding server does not stall all others.
  let executor = EventLoopTaskExecutor(serverLoops.next())
  private static let serverLoops = MultiThreadedEventLoopGroup(numberOfThreads: 2)

  /// Stops listening, closes every connection, waits for their tasks, removes the socket.
  public func stop() async {
    try? await serverChannel.close()
    let channels = state.withLock { Array($0.channels.values) }
    for channel in channels { try? await channel.close() }
    let task = acceptLoop.withLock { $0 }
    await task?.value
    await unserved.closeAll()
    directory?.remove()
  }

  public var statistics: Statistics { state.withLock { $0.statistics } }

  /// Every command received so far, in arrival order (unless the script does not record).
  public var receivedCommands: [QMPCommand] { state.withLock { $0.commands } }

  /// Returns once `predicate` holds for the statistics (checked now and on every change).
  /// Bound it with ``withTimeout(_:_:operation:)``.
  public func waitUntil(_ predicate: @escaping @Sendable (Statistics) -> Bool) async {
    let signal = AsyncSignal()
    let holds = state.withLock { state -> Bool in
      if predicate(state.statistics) { return true }
      state.waiters.append((predicate, signal))
      return false
    }
    if holds { return }
    await signal.wait()
  }

  /// Runs `actions` now on every open connection (e.g. an event out of the blue, a
  /// disconnect). Replies echo no id here, as there is no request.
  public func perform(_ actions: [Action]) async {
    let channels = state.withLock { Array($0.channels.values) }
    await withTaskGroup(of: Void.self) { group in
      for channel in channels {
        group.addTask(executorPreference: executor) {
          let connection = FakeQMPConnection(server: self, channel: channel)
          _ = await connection.run(actions, request: nil)
        }
      }
    }
  }

  // MARK: - Internals used by FakeQMPConnection

  func update(_ change: (inout Statistics) -> Void) {
    let ready = state.withLock { state -> [AsyncSignal] in
      change(&state.statistics)
      guard !state.waiters.isEmpty else { return [] }
      var ready: [AsyncSignal] = []
      let statistics = state.statistics
      state.waiters.removeAll { waiter in
        if waiter.predicate(statistics) {
          ready.append(waiter.signal)
          return true
        }
        return false
      }
      return ready
    }
    for signal in ready { signal.fire() }
  }

  func record(_ command: QMPCommand) {
    if script.recordsCommands {
      state.withLock { $0.commands.append(command) }
    }
    update { $0.commands += 1 }
  }

  private func runAcceptLoop(
    _ listener: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
  )
    async
  {
    try? await listener.executeThenClose { inbound in
      try await withThrowingDiscardingTaskGroup { group in
        for try await connection in inbound {
          unserved.remove(connection)
          let key = ObjectIdentifier(connection.channel)
          state.withLock { $0.channels[key] = connection.channel }
          update { $0.connectionsAccepted += 1 }
          group.addTask {
            await FakeQMPConnection.serve(connection, server: self)
            self.state.withLock { _ = $0.channels.removeValue(forKey: key) }
            self.update { $0.connectionsClosed += 1 }
          }
        }
      }
    }
  }
}

/// Runs `body` with a started fake server and always stops it afterwards.
public func withFakeQMPServer<R>(
  _ script: FakeQMPServer.Script = FakeQMPServer.Script(),
  on transport: FakeQMPServer.Transport = .unix,
  _ body: (FakeQMPServer) async throws -> R
) async throws -> R {
  let server = try await FakeQMPServer.start(script, on: transport)
  do {
    let result = try await body(server)
    await server.stop()
    return result
  } catch {
    await server.stop()
    throw error
  }
}

/// Connections NIO accepted and wrapped but the accept loop has not taken (yet).
///
/// NIO hands a child's async writer over to whoever holds the wrapper when the child becomes
/// active; a wrapper dropped before that (a client connecting while the server stops) trips
/// NIO's "deinited NIOAsyncWriter without calling finish()" assertion. Holding each wrapper
/// here until it is served, or closed by `stop()`, avoids that.
final class UnservedConnections: Sendable {
  private let connections = NIOLockedValueBox<
    [ObjectIdentifier: NIOAsyncChannel<ByteBuffer, ByteBuffer>]
  >([:])

  func insert(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    connections.withLock { $0[ObjectIdentifier(connection.channel)] = connection }
  }

  func remove(_ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    _ = connections.withLock { $0.removeValue(forKey: ObjectIdentifier(connection.channel)) }
  }

  func closeAll() async {
    let left = connections.withLock { connections in
      defer { connections = [:] }
      return Array(connections.values)
    }
    for connection in left {
      try? await connection.executeThenClose { _, _ in }
    }
  }
}
