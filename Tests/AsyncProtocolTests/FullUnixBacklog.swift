import AsyncProtocol
import NIOCore

#if canImport(Glibc)
  import Glibc
#endif

/// A UNIX listener with a backlog of 0 and one connection waiting in it: the next
/// non-blocking connect gets EAGAIN, as a client of a QEMU busy with another client can.
/// ``acceptOne()`` makes room, as QEMU does when its current client leaves.
final class FullUnixBacklog: Sendable {
  let path: String
  private let listener: Int32
  private let filler: Int32

  init(directory: String) throws {
    let path = directory + "/full.sock"
    let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard listener >= 0, Self.withAddress(path, { bind(listener, $0, $1) }) == 0,
      listen(listener, 0) == 0
    else { throw IOError(errnoCode: errno, reason: "full backlog listener") }
    let filler = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    guard filler >= 0, Self.withAddress(path, { connect(filler, $0, $1) }) == 0 else {
      close(listener)
      throw IOError(errnoCode: errno, reason: "full backlog filler")
    }
    self.path = path
    self.listener = listener
    self.filler = filler
  }

  /// Whether a non-blocking connect now fails with EAGAIN (the state the tests rely on).
  func isFull() -> Bool {
    let probe = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
    defer { close(probe) }
    return Self.withAddress(path, { connect(probe, $0, $1) }) == -1 && errno == EAGAIN
  }

  /// Accepts (and closes) the waiting connection: the next connect finds room.
  func acceptOne() {
    let accepted = accept(listener, nil, nil)
    if accepted >= 0 { close(accepted) }
  }

  var endpoint: Endpoint { .unix(path: path) }

  deinit {
    close(filler)
    close(listener)
  }

  private static func withAddress(
    _ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32
  ) -> Int32 {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
      raw.copyBytes(from: path.utf8.prefix(raw.count - 1))
    }
    return withUnsafePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
  }
}
