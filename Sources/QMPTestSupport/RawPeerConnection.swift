import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import QMPCodec

/// A bare byte-level connection to a peer, framed into JSON values by `JSONStreamDecoder`.
///
/// For tests that must see exactly what a peer sends (the greeting, an id-less error, the 0xFF
/// sentinel) or send bytes no real client would. No QMP logic at all. One task reads at a time.
public final class RawPeerConnection: Sendable {
  private struct Inbox {
    var items: [JSONStreamItem] = []
    var head = 0
    var finished = false
    var waiter: CheckedContinuation<JSONStreamItem?, Never>?
  }

  /// Hands items from the reader task to `next()`; unbounded, which is fine for tests.
  private final class Queue: Sendable {
    private let inbox = NIOLockedValueBox(Inbox())

    func yield(_ item: JSONStreamItem) {
      let waiter = inbox.withLock { inbox -> CheckedContinuation<JSONStreamItem?, Never>? in
        if let waiter = inbox.waiter {
          inbox.waiter = nil
          return waiter
        }
        inbox.items.append(item)
        return nil
      }
      waiter?.resume(returning: item)
    }

    func finish() {
      let waiter = inbox.withLock { inbox -> CheckedContinuation<JSONStreamItem?, Never>? in
        inbox.finished = true
        defer { inbox.waiter = nil }
        return inbox.waiter
      }
      waiter?.resume(returning: nil)
    }

    func next() async -> JSONStreamItem? {
      await withCheckedContinuation { continuation in
        let ready = inbox.withLock { inbox -> JSONStreamItem?? in
          if inbox.head < inbox.items.count {
            defer {
              inbox.head += 1
              if inbox.head == inbox.items.count {
                inbox.items.removeAll(keepingCapacity: true)
                inbox.head = 0
              }
            }
            return .some(inbox.items[inbox.head])
          }
          if inbox.finished { return .some(nil) }
          inbox.waiter = continuation
          return .none
        }
        if let ready { continuation.resume(returning: ready) }
      }
    }
  }

  private let channel: any Channel
  private let queue = Queue()
  private let reader: Task<Void, Never>

  private init(_ asyncChannel: NIOAsyncChannel<ByteBuffer, ByteBuffer>) {
    channel = asyncChannel.channel
    let continuation = queue
    reader = Task {
      try? await asyncChannel.executeThenClose { inbound, _ in
        var decoder = JSONStreamDecoder()
        for try await buffer in inbound {
          buffer.withUnsafeReadableBytes { decoder.append($0) }
          while let item = decoder.next() { continuation.yield(item) }
        }
        if let item = decoder.finish() { continuation.yield(item) }
      }
      continuation.finish()
    }
  }

  /// Connects to `address`.
  public static func connect(to address: PeerAddress) async throws -> RawPeerConnection {
    let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    let wrap: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> =
      { channel in
        channel.eventLoop.makeCompletedFuture {
          try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    switch address {
    case .unix(let path):
      channel = try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: wrap)
    case .tcp(let host, let port):
      channel = try await bootstrap.connect(host: host, port: port, channelInitializer: wrap)
    }
    return RawPeerConnection(channel)
  }

  /// The next item from the peer; nil once the peer closed the connection.
  public func next() async -> JSONStreamItem? {
    await queue.next()
  }

  /// The next complete JSON value, skipping reset markers; throws on malformed input or EOF.
  public func nextValue() async throws -> JSONValue {
    while let item = await queue.next() {
      switch item {
      case .value(let value): return value
      case .resetMarker: continue
      case .error(let error): throw error
      }
    }
    throw TestSupportError("the peer closed the connection")
  }

  public func send(_ bytes: [UInt8]) async throws {
    try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
  }

  public func send(_ text: String) async throws {
    try await send(Array(text.utf8))
  }

  /// Sends `value` compact, without a line ending (QEMU needs none).
  public func send(json value: JSONValue) async throws {
    var bytes: [UInt8] = []
    value.write(to: &bytes)
    try await send(bytes)
  }

  public func close() async {
    try? await channel.close()
    await reader.value
  }
}
