import Foundation

/// Small raw-socket helpers for starting peers: a free TCP port and "does it accept yet?".
public enum LocalSockets {
  /// A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read it, close.
  ///
  /// Another process may take it before the peer binds it; ``QEMUProcess`` retries then.
  public static func freeTCPPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSupportError("socket(): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else { throw TestSupportError("bind(): \(String(cString: strerror(errno)))") }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let named = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else {
      throw TestSupportError("getsockname(): \(String(cString: strerror(errno)))")
    }
    return Int(UInt16(bigEndian: address.sin_port))
  }

  /// Whether a monitor at `address` serves a client from start to end right now: it accepts,
  /// sends its first line (the QMP greeting) within `limit`, and, once told the client is
  /// done, closes its side within `limit`.
  ///
  /// Stricter than ``accepts(_:)`` on purpose: QEMU serves one monitor client at a time, and a
  /// probe that connects and leaves at once may still be in QEMU's hands when the test's own
  /// client connects (under a loaded full test run that client's greeting came more than 10 s
  /// late, or its connect was refused). Waiting for QEMU to close the probe's connection means
  /// QEMU has finished with it.
  public static func servesOneClient(_ address: PeerAddress, limit: Duration = .seconds(5))
    -> Bool
  {
    guard let fd = connected(to: address) else { return false }
    defer { close(fd) }
    let (seconds, attoseconds) = limit.components
    var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var buffer = [UInt8](repeating: 0, count: 4096)
    // The greeting: anything up to a newline.
    var greeted = false
    while !greeted {
      let count = read(fd, &buffer, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count > 0 else { return false }
      greeted = buffer[..<count].contains(UInt8(ascii: "\n"))
    }
    // Done: QEMU sees the end of input, drops the client and closes its side.
    shutdown(fd, Int32(SHUT_WR))
    while true {
      let count = read(fd, &buffer, buffer.count)
      if count < 0 && errno == EINTR { continue }
      if count == 0 { return true }
      if count < 0 { return false }
    }
  }

  /// Whether a connection to `address` succeeds right now (the connection is closed at once).
  public static func accepts(_ address: PeerAddress) -> Bool {
    guard let fd = connected(to: address) else { return false }
    close(fd)
    return true
  }

  /// A blocking socket connected to `address`, or nil if the connect failed.
  private static func connected(to address: PeerAddress) -> Int32? {
    switch address {
    case .unix(let path):
      let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
      guard fd >= 0 else { return nil }
      var socketAddress = sockaddr_un()
      socketAddress.sun_family = sa_family_t(AF_UNIX)
      let bytes = Array(path.utf8)
      let capacity = MemoryLayout.size(ofValue: socketAddress.sun_path)
      guard bytes.count < capacity else {
        close(fd)
        return nil
      }
      withUnsafeMutableBytes(of: &socketAddress.sun_path) { raw in
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
      }
      let status = withUnsafePointer(to: &socketAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
      }
      guard status == 0 else {
        close(fd)
        return nil
      }
      return fd
    case .tcp(let host, let port):
      let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
      guard fd >= 0 else { return nil }
      var socketAddress = sockaddr_in()
      socketAddress.sin_family = sa_family_t(AF_INET)
      socketAddress.sin_port = UInt16(port).bigEndian
      let status =
        inet_pton(AF_INET, host, &socketAddress.sin_addr) == 1
        ? withUnsafePointer(to: &socketAddress) {
          $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
          }
        } : -1
      guard status == 0 else {
        close(fd)
        return nil
      }
      return fd
    }
  }
}
