import Glibc

/// The reader of our output went away (`qmp-shell … | head -1`). Not worth a message: the run
/// ends quietly, as `cat` does.
public struct OutputClosedError: Error, Sendable, CustomStringConvertible {
  public var description: String { "standard output was closed" }
}

/// Writes whole byte blocks to a file descriptor, retrying short writes and `EINTR`.
///
/// Output goes straight to `write(2)` in blocks the caller assembles (one message, or a
/// batch of them): no `FileHandle`, no stdio buffer whose flush could be forgotten at exit,
/// and a closed pipe is a typed error instead of a `SIGPIPE` death.
public struct OutputSink: Sendable {
  public let fileDescriptor: Int32

  public init(fileDescriptor: Int32) {
    self.fileDescriptor = fileDescriptor
  }

  public static let standardOutput = OutputSink(fileDescriptor: 1)
  public static let standardError = OutputSink(fileDescriptor: 2)

  /// Whether the descriptor is a terminal (for colour and prompts).
  public var isTerminal: Bool { isatty(fileDescriptor) == 1 }

  public func write(_ bytes: [UInt8]) throws(OutputClosedError) {
    var offset = 0
    while offset < bytes.count {
      let written = bytes.withUnsafeBytes { raw in
        Glibc.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
      }
      if written >= 0 {
        offset += written
      } else if errno == EINTR || errno == EAGAIN {
        continue
      } else {
        throw OutputClosedError()
      }
    }
  }

  public func write(_ text: String) throws(OutputClosedError) {
    try write(Array(text.utf8))
  }
}
