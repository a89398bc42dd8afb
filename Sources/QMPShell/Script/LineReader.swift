import Glibc

/// Could not read the script (a file that vanished, a read error).
public struct ScriptReadError: Error, Sendable, CustomStringConvertible {
  public var source: String
  public var errorNumber: Int32

  public var description: String {
    "cannot read \(source): \(String(cString: strerror(errorNumber)))"
  }
}

/// Reads lines from a file descriptor in large blocks.
///
/// Piped scripts can hold tens of thousands of commands; one `read(2)` per block keeps the
/// input side far below the cost of a QMP round trip. Lines end at `\n` (a `\r` before it is
/// dropped); a last line without a newline is still a line. Bytes that are not UTF-8 are
/// replaced, so the command parser reports them instead of the reader failing.
public struct LineReader: Sendable {
  private let fileDescriptor: Int32
  private let sourceName: String
  private var buffer: [UInt8] = []
  private var start = 0
  private var atEnd = false

  public init(fileDescriptor: Int32, sourceName: String) {
    self.fileDescriptor = fileDescriptor
    self.sourceName = sourceName
  }

  /// Whether ``nextLine()`` may have to wait: no whole line is buffered and the descriptor
  /// has nothing to read at this moment. (A regular file is always readable.)
  public var mayBlock: Bool {
    if atEnd || buffer[start...].contains(UInt8(ascii: "\n")) { return false }
    var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, 0) == 0
  }

  /// The next line without its line end, or nil at end of input.
  public mutating func nextLine() throws(ScriptReadError) -> String? {
    while true {
      if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
        var end = newline
        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: buffer[start..<end], as: UTF8.self)
        start = newline + 1
        return line
      }
      if atEnd {
        guard start < buffer.count else { return nil }
        let line = String(decoding: buffer[start...], as: UTF8.self)
        start = buffer.count
        return line
      }
      try fill()
    }
  }

  private mutating func fill() throws(ScriptReadError) {
    if start > 0 {
      buffer.removeFirst(start)
      start = 0
    }
    let chunk = 64 * 1024
    let oldCount = buffer.count
    buffer.reserveCapacity(oldCount + chunk)
    var readCount = 0
    buffer.append(contentsOf: repeatElement(0, count: chunk))
    while true {
      readCount = buffer.withUnsafeMutableBytes { raw in
        read(fileDescriptor, raw.baseAddress! + oldCount, chunk)
      }
      if readCount < 0 && errno == EINTR { continue }
      break
    }
    if readCount < 0 {
      let error = errno
      buffer.removeLast(chunk)
      throw ScriptReadError(source: sourceName, errorNumber: error)
    }
    buffer.removeLast(chunk - readCount)
    if readCount == 0 { atEnd = true }
  }
}
