#if canImport(Glibc)
  import Glibc
#endif

/// A non-blocking pipe used to wake the poll loop: from other threads (new output, prompt
/// changes, stop) and from signal handlers (a write is async-signal-safe).
struct WakePipe: ~Copyable {
  let reader: Int32
  let writer: Int32

  init() throws(LineEditorError) {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else { throw .pipeUnavailable(errno: errno) }
    for descriptor in descriptors {
      _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
      _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
    }
    reader = descriptors[0]
    writer = descriptors[1]
  }

  deinit {
    close(reader)
    close(writer)
  }

  /// Writes one byte. A full pipe already holds a wake-up, so EAGAIN is ignored.
  func signal(_ byte: UInt8 = 0) {
    var value = byte
    while write(writer, &value, 1) < 0 && errno == EINTR {}
  }

  /// Reads everything that is in the pipe and returns it (bounded per call).
  func drain() -> [UInt8] {
    var result: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 256)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
      if count > 0 {
        result.append(contentsOf: buffer[0..<count])
        if count < buffer.count { return result }
      } else if count < 0 && errno == EINTR {
        continue
      } else {
        return result
      }
    }
  }
}
