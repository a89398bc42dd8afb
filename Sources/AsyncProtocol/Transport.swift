import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Opens the byte stream of a session: dials out, or listens and takes exactly one peer.
///
/// Every channel is registered with the ``ConnectAttempt`` as soon as it exists, so that
/// cancellation, the connect timeout and `disconnect()` can close it mid-way.
enum Transport {
  /// A connected channel and its decoded inbound stream; outbound bytes are written on the
  /// channel directly.
  typealias Stream<Message: Sendable> = InboundBuffer<Message>

  /// Connects to `endpoint`; the channel lives on `eventLoop`.
  static func dial<Codec: MessageCodec>(
    _ endpoint: Endpoint, on eventLoop: any EventLoop, codec: Codec,
    configuration: SessionConfiguration, attempt: ConnectAttempt
  ) async throws -> Stream<Codec.Message> {
    // NIO enforces its own connect timeout (10 s by default); ours is enforced by the
    // attempt, so NIO's only has to be no shorter.
    let nioTimeout = configuration.connectTimeout.map { TimeAmount($0) + .seconds(1) }
    let bootstrap = ClientBootstrap(group: eventLoop)
      .connectTimeout(nioTimeout ?? .hours(1))
    let initializer: @Sendable (any Channel) -> EventLoopFuture<Stream<Codec.Message>> = {
      channel in
      attempt.register(channel)
      return wrap(channel, codec: codec, configuration: configuration)
    }
    switch endpoint {
    case .unix(let path):
      var pause = Duration.milliseconds(1)
      while true {
        do {
          return try await bootstrap.connect(
            unixDomainSocketPath: path, channelInitializer: initializer)
        } catch let error as IOError where error.errnoCode == EAGAIN {
          // A UNIX listener whose backlog is full turns a non-blocking connect away with
          // EAGAIN where a blocking one (socat's, python's asyncio) would wait for room.
          // QEMU serves one client per monitor and listens with a backlog of 1, so this is
          // what a client sees right after another one (a readiness probe, a script that
          // just ended) while QEMU has not yet noticed it leave. Wait as a blocking connect
          // would: the connect timeout, cancellation and `disconnect()` still end it.
          attempt.noteFullBacklog()
          try await Task.sleep(for: pause)
          pause = min(pause * 2, .milliseconds(50))
        }
      }
    case .tcp(let host, let port):
      return try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
    }
  }

  /// Listens on `endpoint`, takes the first peer, then closes the listener (and removes its
  /// socket file) so that a second peer is refused.
  static func acceptOne<Codec: MessageCodec>(
    _ endpoint: Endpoint, on eventLoop: any EventLoop, codec: Codec,
    configuration: SessionConfiguration, attempt: ConnectAttempt,
    onListening: (@Sendable (Endpoint) async -> Void)?
  ) async throws -> Stream<Codec.Message> {
    let claimed = FirstPeer()
    let bootstrap = ServerBootstrap(group: eventLoop)
      .serverChannelOption(.backlog, value: 1)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    let initializer: @Sendable (any Channel) -> EventLoopFuture<Stream<Codec.Message>> = {
      child in
      // Peers that arrive before the listener is closed are turned away at once.
      guard claimed.claim() else {
        child.close(promise: nil)
        return child.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel)
      }
      attempt.register(child)
      return wrap(child, codec: codec, configuration: configuration)
    }
    let server: NIOAsyncChannel<Stream<Codec.Message>, Never>
    let boundPath: String?
    switch endpoint {
    case .unix(let path):
      server = try await bootstrap.bind(
        unixDomainSocketPath: path, cleanupExistingSocketFile: true,
        childChannelInitializer: initializer)
      boundPath = path
    case .tcp(let host, let port):
      server = try await bootstrap.bind(
        host: host, port: port, childChannelInitializer: initializer)
      boundPath = nil
    }
    defer {
      if let boundPath { _ = unlink(boundPath) }
    }
    guard attempt.register(server.channel) else { throw CancellationError() }

    if let onListening {
      var bound = endpoint
      if case .tcp(let host, _) = endpoint, let address = server.channel.localAddress,
        let port = address.port
      {
        bound = .tcp(host: address.ipAddress ?? host, port: port)
      }
      await onListening(bound)
    }

    return try await server.executeThenClose { peers in
      for try await peer in peers {
        return peer
      }
      throw ListenerClosedError()
    }
  }

  /// Installs the codec's decoder and the reader's buffer on a fresh channel.
  private static func wrap<Codec: MessageCodec>(
    _ channel: any Channel, codec: Codec, configuration: SessionConfiguration
  ) -> EventLoopFuture<Stream<Codec.Message>> {
    channel.eventLoop.makeCompletedFuture {
      let inbound = Stream<Codec.Message>(
        channel: channel, limit: configuration.inboundBufferLimit)
      try channel.pipeline.syncOperations.addHandlers(
        BatchDecoder(codec: codec), InboundBufferHandler(inbound))
      return inbound
    }
  }
}

/// The listener closed before any peer connected.
struct ListenerClosedError: Error, CustomStringConvertible {
  var description: String { "the listener closed before a peer connected" }
}

/// Lets exactly one accepted peer through.
private final class FirstPeer: Sendable {
  private let taken = Atomic<Bool>(false)

  func claim() -> Bool {
    taken.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged
  }
}

extension TimeAmount {
  /// The longest amount a `Duration` converts to: about 146 years. NIO adds amounts to the
  /// current uptime (deadlines) and the connect path adds a second to it, all in 64-bit
  /// nanoseconds; clamping here, at the one conversion every timeout goes through, keeps a
  /// caller's "forever" from overflowing there.
  static let longest = TimeAmount.nanoseconds(Int64.max / 2)

  init(_ duration: Duration) {
    let (seconds, attoseconds) = duration.components
    let limit = Self.longest.nanoseconds
    let nanos = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    guard !nanos.overflow, abs(nanos.partialValue) <= limit else {
      self = .nanoseconds(seconds < 0 ? -limit : limit)
      return
    }
    self = .nanoseconds(nanos.partialValue + attoseconds / 1_000_000_000)
  }
}
