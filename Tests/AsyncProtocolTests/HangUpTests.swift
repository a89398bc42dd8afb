import AsyncProtocol
import NIOCore
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A peer that goes away is a ``PeerClosedError`` however the socket reports it. A QEMU killed
/// while our command's last byte was still unread in its socket made the session fail with
/// "Connection reset by peer" (ECONNRESET) instead of end-of-file, now and then.
@Suite struct HangUpTests {
  @Test func aPeerThatClosesWithOurBytesUnreadIsAHangUp() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let listener = try UnixListener(path: "\(dir)/deaf.sock")
      let (session, inbox) = makeSession()
      // A UNIX connect completes once it is queued: nothing needs to accept it first.
      try await session.connect(to: .unix(path: listener.path))
      let peer = try listener.acceptOne()
      try await session.send("never read")
      try peer.waitUntilReadable()
      // Closing with unread input makes Linux reset the connection: our read sees ECONNRESET.
      peer.close()
      let failure = await inbox.failure()
      #expect(failure is PeerClosedError, "\(String(describing: failure))")
      await #expect(throws: PeerClosedError()) { try await session.disconnect() }
    }
  }
}

/// A bare UNIX stream listener, so that a test decides exactly what the peer reads before it
/// closes (NIO would read everything as soon as it arrives).
private final class UnixListener: Sendable {
  let path: String
  private let fd: Int32

  init(path: String) throws {
    let socketFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard socketFD >= 0 else { throw IOError(errnoCode: errno, reason: "socket") }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
    }
    let bound = withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
        bind(socketFD, raw, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0
          && listen(socketFD, 1) == 0
      }
    }
    guard bound else {
      let code = errno
      Glibc.close(socketFD)
      throw IOError(errnoCode: code, reason: "bind/listen \(path)")
    }
    // Set only now, so that deinit closes a descriptor exactly when init kept one.
    self.path = path
    self.fd = socketFD
  }

  /// The connection waiting in the backlog (the session's connect has already returned).
  func acceptOne() throws -> Connection {
    let accepted = accept(fd, nil, nil)
    guard accepted >= 0 else { throw IOError(errnoCode: errno, reason: "accept") }
    return Connection(fd: accepted)
  }

  deinit { Glibc.close(fd) }

  struct Connection {
    let fd: Int32

    /// Waits (at most 10 s) until bytes have arrived, without reading them.
    func waitUntilReadable() throws {
      var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
      guard poll(&entry, 1, 10_000) == 1 else {
        throw IOError(errnoCode: errno, reason: "no input within 10 s")
      }
    }

    func close() { _ = Glibc.close(fd) }
  }
}
