import AsyncProtocol
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// A byte-level peer for tests, written directly with NIO, so that the session under test is
/// checked against something that is not itself.
enum RawPeer {
  typealias Inbound = NIOAsyncChannelInboundStream<ByteBuffer>
  typealias Outbound = NIOAsyncChannelOutboundWriter<ByteBuffer>
  typealias Body<T> = @Sendable (Inbound, Outbound) async throws -> T

  /// Listens on `endpoint` (TCP port 0 picks a free port), serves the first connection with
  /// `body`, then closes. Returns the real endpoint and the task that runs `body`.
  static func serve<T: Sendable>(
    on endpoint: Endpoint, _ body: @escaping Body<T>
  ) async throws -> (Endpoint, Task<T, any Error>) {
    let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    let initializer:
      @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = {
        child in
        child.eventLoop.makeCompletedFuture {
          try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child)
        }
      }
    let server: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    var bound = endpoint
    switch endpoint {
    case .unix(let path):
      server = try await bootstrap.bind(
        unixDomainSocketPath: path, childChannelInitializer: initializer)
    case .tcp(let host, _):
      server = try await bootstrap.bind(
        host: host, port: endpoint.port, childChannelInitializer: initializer)
      bound = .tcp(host: host, port: server.channel.localAddress!.port!)
    }
    let task = Task {
      try await server.executeThenClose { connections in
        var iterator = connections.makeAsyncIterator()
        guard let connection = try await iterator.next() else { throw PeerClosedError() }
        return try await connection.executeThenClose { inbound, outbound in
          try await body(inbound, outbound)
        }
      }
    }
    return (bound, task)
  }

  /// Connects to `endpoint` and runs `body` on the connection, then closes it.
  static func dial<T: Sendable>(_ endpoint: Endpoint, _ body: @escaping Body<T>) async throws -> T {
    let bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    let initializer:
      @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<ByteBuffer, ByteBuffer>> = {
        channel in
        channel.eventLoop.makeCompletedFuture {
          try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
        }
      }
    let connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>
    switch endpoint {
    case .unix(let path):
      connection = try await bootstrap.connect(
        unixDomainSocketPath: path, channelInitializer: initializer)
    case .tcp(let host, let port):
      connection = try await bootstrap.connect(
        host: host, port: port, channelInitializer: initializer)
    }
    return try await connection.executeThenClose { inbound, outbound in
      try await body(inbound, outbound)
    }
  }

  /// Every newline-terminated line until the peer closes; a trailing partial line is kept.
  static func readLines(_ inbound: Inbound) async throws -> [String] {
    var bytes: [UInt8] = []
    for try await buffer in inbound {
      bytes.append(contentsOf: buffer.readableBytesView)
    }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    if lines.last == "" { lines.removeLast() }
    return lines
  }

  /// Reads until `count` whole lines have arrived, and returns them. (NIO allows one
  /// iterator per stream: use `LineReader` to read more afterwards.)
  static func readLines(_ inbound: Inbound, count: Int) async throws -> [String] {
    var reader = LineReader(inbound)
    var lines: [String] = []
    while lines.count < count, let line = try await reader.next() { lines.append(line) }
    return lines
  }
}

/// Reads a raw peer's input line by line.
struct LineReader {
  private var iterator: RawPeer.Inbound.AsyncIterator
  private var pending: [UInt8] = []

  init(_ inbound: RawPeer.Inbound) {
    iterator = inbound.makeAsyncIterator()
  }

  /// The next whole line, or nil at the end of input.
  mutating func next() async throws -> String? {
    while true {
      if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: pending[..<newline], as: UTF8.self)
        pending.removeSubrange(...newline)
        return line
      }
      guard let buffer = try await iterator.next(isolation: #isolation) else { return nil }
      pending.append(contentsOf: buffer.readableBytesView)
    }
  }
}

extension Endpoint {
  var port: Int {
    if case .tcp(_, let port) = self { return port }
    return 0
  }
}

extension NIOAsyncChannelOutboundWriter<ByteBuffer> {
  /// Writes `text` as-is (add "\n" yourself).
  func write(_ text: String) async throws {
    try await write(ByteBuffer(string: text))
  }
}

/// A TCP listener whose accept queue is full, so that a connect to it hangs (SYNs are
/// dropped): the way to test cancellation and timeouts of the transport phase.
final class JammedListener: Sendable {
  let port: Int
  private let fds: [Int32]

  init() throws {
    func makeSocket() -> Int32 { socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    let listener = makeSocket()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
        bind(listener, raw, length) == 0 && listen(listener, 0) == 0
          && getsockname(listener, raw, &length) == 0
      }
    }
    guard ok else { throw IOError(errnoCode: errno, reason: "jam listener") }
    port = Int(UInt16(bigEndian: address.sin_port))
    // One connection fills a backlog of 0; later ones wait for a SYN-ACK that never comes.
    let filler = makeSocket()
    let connected = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
        connect(filler, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
      }
    }
    guard connected else { throw IOError(errnoCode: errno, reason: "jam filler") }
    fds = [listener, filler]
  }

  var endpoint: Endpoint { .tcp(host: "127.0.0.1", port: port) }

  deinit {
    for fd in fds { close(fd) }
  }
}

/// A TCP port that nothing listens on (bound once, then released).
func unusedTCPPort() throws -> Int {
  let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
  defer { close(fd) }
  var address = sockaddr_in()
  address.sin_family = sa_family_t(AF_INET)
  address.sin_addr.s_addr = inet_addr("127.0.0.1")
  var length = socklen_t(MemoryLayout<sockaddr_in>.size)
  let ok = withUnsafeMutablePointer(to: &address) { pointer in
    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
      bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
    }
  }
  guard ok else { throw IOError(errnoCode: errno, reason: "bind") }
  return Int(UInt16(bigEndian: address.sin_port))
}
