import Glibc
import NIOConcurrencyHelpers
import QMPClient
import QMPCodec

/// Could not open the `-l` log file.
public struct WireLogError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var errorNumber: Int32
  public var description: String {
    "cannot open log file \(path): \(String(cString: strerror(errorNumber)))"
  }
}

/// `-l FILE`: every message both ways, one line each, with a UTC timestamp and its direction
/// (`->` sent, `<-` received), appended to a file only its owner can read (mode 0600: the log
/// can hold guest data and secrets passed as arguments).
public final class WireLog: Sendable {
  private let descriptor: NIOLockedValueBox<Int32>

  public init(path: String) throws(WireLogError) {
    let opened = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
    guard opened >= 0 else { throw WireLogError(path: path, errorNumber: errno) }
    descriptor = NIOLockedValueBox(opened)
  }

  deinit {
    _ = descriptor.withLock { close($0) }
  }

  /// Attaches the log to `client`'s wire.
  public func attach(to client: QMPClient) {
    client.observeWire { [self] direction, value in self.record(direction, value) }
  }

  func record(_ direction: WireDirection, _ value: JSONValue) {
    var line = Array(Self.timestamp().utf8)
    line.append(contentsOf: direction == .sent ? " -> ".utf8 : " <- ".utf8)
    value.write(to: &line)
    line.append(UInt8(ascii: "\n"))
    descriptor.withLock { descriptor in
      var offset = 0
      while offset < line.count {
        let written = line.withUnsafeBytes {
          write(descriptor, $0.baseAddress! + offset, $0.count - offset)
        }
        if written > 0 {
          offset += written
        } else if written < 0 && errno == EINTR {
          continue
        } else {
          break  // a full disk must not stop the session; the log just ends
        }
      }
    }
  }

  /// `2026-11-25T00:40:01.123456Z`
  static func timestamp() -> String {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    var parts = tm()
    var seconds = now.tv_sec
    gmtime_r(&seconds, &parts)
    func pad(_ value: Int32, _ width: Int) -> String {
      let text = String(value)
      return String(repeating: "0", count: max(0, width - text.count)) + text
    }
    let micros = pad(Int32(now.tv_nsec / 1000), 6)
    return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
      + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(micros)Z"
  }
}
