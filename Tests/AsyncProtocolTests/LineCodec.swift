import AsyncProtocol
import NIOCore
import Synchronization

/// A trivial test codec: newline-terminated UTF-8 lines, with a length limit that throws.
struct LineCodec: MessageCodec {
  var maximumLength = 1 << 20
  /// Counts decoded lines, so tests can see how far the session read ahead of its owner.
  var decoded: DecodeCounter?

  func makeDecoder() -> LineDecoder {
    LineDecoder(maximumLength: maximumLength, counter: decoded)
  }

  func encode(_ message: String, into buffer: inout ByteBuffer) throws {
    guard message.utf8.count <= maximumLength else {
      throw LineTooLongError(length: message.utf8.count, limit: maximumLength)
    }
    buffer.writeString(message)
    buffer.writeInteger(UInt8(ascii: "\n"))
  }
}

struct LineTooLongError: Error, Equatable, CustomStringConvertible {
  let length: Int
  let limit: Int
  var description: String { "line of \(length)+ bytes exceeds the limit of \(limit)" }
}

struct TruncatedLineError: Error, Equatable, CustomStringConvertible {
  let leftover: Int
  var description: String { "stream ended inside a line (\(leftover) bytes without newline)" }
}

struct LineDecoder: NIOSingleStepByteToMessageDecoder {
  typealias InboundOut = String
  let maximumLength: Int
  let counter: DecodeCounter?
  /// Where to resume looking for a newline, so a long partial line is not rescanned.
  private var scanned = 0

  init(maximumLength: Int, counter: DecodeCounter? = nil) {
    self.maximumLength = maximumLength
    self.counter = counter
  }

  mutating func decode(buffer: inout ByteBuffer) throws -> String? {
    let view = buffer.readableBytesView
    let start = view.startIndex + scanned
    guard let newline = view[start...].firstIndex(of: UInt8(ascii: "\n")) else {
      scanned = view.count
      if view.count > maximumLength {
        throw LineTooLongError(length: view.count, limit: maximumLength)
      }
      return nil
    }
    let length = newline - view.startIndex
    if length > maximumLength { throw LineTooLongError(length: length, limit: maximumLength) }
    scanned = 0
    let line = buffer.readString(length: length)!
    buffer.moveReaderIndex(forwardBy: 1)
    counter?.note(line)
    return line
  }

  mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> String? {
    if let line = try decode(buffer: &buffer) { return line }
    if seenEOF, buffer.readableBytes > 0 {
      throw TruncatedLineError(leftover: buffer.readableBytes)
    }
    return nil
  }
}

final class DecodeCounter: Sendable {
  let count = Atomic<Int>(0)
  /// Every decoded line, as the decoder (on the event loop) produced it.
  let lines: AsyncStream<String>
  private let continuation: AsyncStream<String>.Continuation

  init() {
    (lines, continuation) = AsyncStream.makeStream()
  }

  func note(_ line: String) {
    count.add(1, ordering: .relaxed)
    continuation.yield(line)
  }
}
