#if canImport(Glibc)
  import Glibc
#endif

/// Raw writes to the terminal (stdout), bypassing stdio buffers so they interleave correctly
/// with readline's own output (readline's stream is flushed first).
enum TerminalOutput {
  static func write(_ bytes: [UInt8]) {
    guard !bytes.isEmpty else { return }
    fflush(nil)  // readline's and Swift's stdio buffers go first
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes {
        Glibc.write(STDOUT_FILENO, $0.baseAddress! + offset, $0.count - offset)
      }
      if count >= 0 {
        offset += count
      } else if errno == EINTR {
        continue
      } else if errno == EAGAIN {
        // stdout shares a non-blocking file description: wait until it takes more.
        var descriptor = pollfd(fd: STDOUT_FILENO, events: Int16(POLLOUT), revents: 0)
        _ = poll(&descriptor, 1, 1000)
      } else {
        return  // the terminal is gone (EIO, EPIPE): nothing sensible left to do with output
      }
    }
  }
}
