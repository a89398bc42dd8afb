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
  /// How many bytes from `start` on are known to hold no newline: a long line is scanned
  /// once, not again after every block (which made a 32 MB line quadratic).
  private var scanned = 0
  private var atEnd = false
  private var block = [UInt8](repeating: 0, count: 64 * 1024)

  public init(fileDescriptor: Int32, sourceName: String) {
    self.fileDescriptor = fileDescriptor
    self.sourceName = sourceName
  }

  /// Whether ``nextLine()`` may have to wait: no whole line is buffered and the descriptor
  /// has nothing to read at this moment. (A regular file is always readable.)
  public var mayBlock: Bool {
    if atEnd || nextNewline(from: start + scanned) != nil { return false }
    var descriptor = pollfd(fd: fileDescriptor, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, 0) == 0
  }

  /// The next line without its line end, or nil at end of input.
  public mutating func nextLine() throws(ScriptReadError) -> String? {
    while true {
      if let newline = nextNewline(from: start + scanned) {
        var end = newline
        if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        let line = String(decoding: buffer[start..<end], as: UTF8.self)
        start = newline + 1
        scanned = 0
        return line
      }
      scanned = buffer.count - start
      if atEnd {
        guard start < buffer.count else { return nil }
        let line = String(decoding: buffer[start...], as: UTF8.self)
        start = buffer.count
        scanned = 0
        return line
      }
      try fill()
    }
  }

  /// The index of the first "\n" at or after `index`. `memchr`, not `firstIndex(of:)`:
  /// the generic scan costs ~100 ns a byte in a debug build, which a 32 MB line turns into
  /// seconds.
  private func nextNewline(from index: Int) -> Int? {
    buffer.withUnsafeBufferPointer { bytes -> Int? in
      guard index < bytes.count, let base = bytes.baseAddress,
        let found = memchr(base + index, Int32(UInt8(ascii: "\n")), bytes.count - index)
      else { return nil }
      return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
  }

  private mutating func fill() throws(ScriptReadError) {
    if start > 0 {
      buffer.removeFirst(start)
      start = 0
    }
    // Read into a block of its own and append it (a memcpy): padding `buffer` with
    // `repeatElement` and trimming it afterwards went element by element, and reserving one
    // more block each time defeated the array's geometric growth (a copy per read).
    var readCount = 0
    while true {
      readCount = block.withUnsafeMutableBytes { raw in
        read(fileDescriptor, raw.baseAddress!, raw.count)
      }
      if readCount < 0 && errno == EINTR { continue }
      break
    }
    if readCount < 0 {
      throw ScriptReadError(source: sourceName, errorNumber: errno)
    }
    buffer.append(contentsOf: block[0..<readCount])
    if readCount == 0 { atEnd = true }
  }
}
