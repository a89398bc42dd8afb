import AsyncProtocol
import NIOCore
import QMPCodec

/// The wire format of QMP and qemu-ga as an AsyncProtocol codec: JSON values framed by value
/// (not by line), plus the two things that are not JSON: qemu-ga's 0xFF sync sentinel and
/// input that is not valid JSON.
public struct QMPWireCodec: MessageCodec {
  /// One unit on the wire.
  public enum Message: Sendable, Hashable {
    /// A complete JSON value.
    case json(JSONValue)
    /// Inbound only: an event the decoder read without building its tree (most events are;
    /// see `JSONStreamDecoder.nextQMP()`), so that printing it costs no parse and no
    /// serialisation. Its `json` is still there, built on first use.
    case event(QMPEvent)
    /// A 0xFF byte: inbound, the guest agent's sync sentinel; outbound, resets the peer's parser.
    case resetMarker
    /// A message that was not valid JSON. Recoverable: the decoder resynchronised after it, and
    /// the client reports it as a warning without ending the session.
    case malformed(JSONStreamError)
    /// Outbound only: these exact bytes.
    case raw([UInt8])
  }

  /// Messages larger than this end the session (see ``QMPWireDecoder``).
  public var maximumMessageSize: Int

  public init(maximumMessageSize: Int = 64 * 1024 * 1024) {
    self.maximumMessageSize = maximumMessageSize
  }

  public func makeDecoder() -> QMPWireDecoder {
    QMPWireDecoder(maximumMessageSize: maximumMessageSize)
  }

  /// Writes compact JSON followed by a newline (QEMU does not need it; it makes captures and
  /// `strace` output readable and costs one byte).
  public func encode(_ message: Message, into buffer: inout ByteBuffer) throws {
    switch message {
    case .json(let value):
      Self.writeLine(value, into: &buffer)
    case .event(let event):
      Self.writeLine(event.json, into: &buffer)
    case .resetMarker:
      buffer.writeInteger(UInt8(0xFF))
    case .raw(let bytes):
      buffer.writeBytes(bytes)
    case .malformed(let error):
      throw QMPClientError.cannotEncode("a malformed message (\(error))")
    }
  }

  /// Decodes a whole read in the decoder's own loop (see ``QMPWireDecoder``).
  public func decodeAll(
    with decoder: inout QMPWireDecoder, from buffer: inout ByteBuffer, atEnd: Bool,
    into messages: inout [Message]
  ) throws {
    try decoder.decodeAll(&buffer, atEnd: atEnd, into: &messages)
  }

  private static func writeLine(_ value: JSONValue, into buffer: inout ByteBuffer) {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(128)
    value.write(to: &bytes)
    bytes.append(UInt8(ascii: "\n"))
    buffer.writeBytes(bytes)
  }
}

/// Frames inbound bytes with `JSONStreamDecoder`.
///
/// A malformed message becomes ``QMPWireCodec/Message/malformed(_:)`` (the session goes on). Two
/// things end the session instead, because nothing sensible can follow them: a message over
/// the size limit (its reply would otherwise never reach the waiting caller, who would hang
/// until a timeout) and a message cut off by end-of-file.
///
/// The session decodes a whole read at once (``QMPWireCodec/decodeAll(with:from:atEnd:into:)``).
/// NIO's two calling conventions work too. The channel-handler form emits every complete
/// message of a read. The single-step form returns one message per call, but the stream
/// decoder takes bytes in bulk and may then hold several complete messages, while NIO's
/// `NIOSingleStepByteToMessageProcessor` calls again only while its buffer has unread bytes;
/// so after returning a message this form leaves the last byte it took unread (it remembers
/// that it has it), and only an empty answer consumes everything.
public struct QMPWireDecoder: NIOSingleStepByteToMessageDecoder {
  public typealias InboundOut = QMPWireCodec.Message

  private var stream: JSONStreamDecoder
  /// Readable bytes at the start of the caller's buffer that `stream` already holds (the one
  /// byte the single-step form leaves unread).
  private var alreadyTaken = 0

  init(maximumMessageSize: Int) {
    stream = JSONStreamDecoder(maximumMessageSize: maximumMessageSize)
  }

  /// Every complete message of `buffer` (all of it is consumed), then with `atEnd` what the
  /// end of the stream makes of the rest. Messages before an error are appended first.
  mutating func decodeAll(
    _ buffer: inout ByteBuffer, atEnd: Bool, into messages: inout [InboundOut]
  )
    throws
  {
    take(&buffer)
    while let item = stream.nextQMP() {
      messages.append(try Self.message(item))
    }
    if atEnd {
      while let item = stream.finish() {
        messages.append(try Self.last(item))
      }
    }
  }

  public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws
    -> DecodingState
  {
    take(&buffer)
    while let item = stream.nextQMP() {
      context.fireChannelRead(Self.wrapInboundOut(try Self.message(item)))
    }
    return .needMoreData
  }

  public mutating func decodeLast(
    context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
  ) throws -> DecodingState {
    _ = try decode(context: context, buffer: &buffer)
    if seenEOF {
      while let item = stream.finish() {
        context.fireChannelRead(Self.wrapInboundOut(try Self.last(item)))
      }
    }
    return .needMoreData
  }

  public mutating func decode(buffer: inout ByteBuffer) throws -> InboundOut? {
    absorb(buffer)
    let item = stream.nextQMP()
    release(&buffer, keepingOne: item != nil)
    return try item.map(Self.message)
  }

  public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> InboundOut? {
    absorb(buffer)
    if let item = stream.nextQMP() {
      release(&buffer, keepingOne: true)
      return try Self.message(item)
    }
    let item = seenEOF ? stream.finish() : nil
    release(&buffer, keepingOne: item != nil)
    return try item.map(Self.last)
  }

  /// Hands `stream` the bytes of `buffer` it does not have yet and consumes them all.
  private mutating func take(_ buffer: inout ByteBuffer) {
    absorb(buffer)
    release(&buffer, keepingOne: false)
  }

  /// Copies the readable bytes of `buffer` past the ones `stream` already holds.
  private mutating func absorb(_ buffer: ByteBuffer) {
    let readable = buffer.readableBytes
    alreadyTaken = min(alreadyTaken, readable)
    guard readable > alreadyTaken else { return }
    let skip = alreadyTaken
    buffer.withUnsafeReadableBytes { stream.append(UnsafeRawBufferPointer(rebasing: $0[skip...])) }
    alreadyTaken = readable
  }

  /// Marks what `absorb` took as read; `keepingOne` leaves its last byte unread, so that a
  /// single-step caller calls again for the messages `stream` may still hold.
  private mutating func release(_ buffer: inout ByteBuffer, keepingOne: Bool) {
    let keep = keepingOne && alreadyTaken > 0 ? 1 : 0
    buffer.moveReaderIndex(forwardBy: alreadyTaken - keep)
    alreadyTaken = keep
  }

  /// At end-of-file an error item is the unfinished last message: the peer cut it off.
  private static func last(_ item: JSONStreamItem) throws -> InboundOut {
    if case .error(let error) = item, case .malformed(let parse) = error.reason,
      parse.reason == .unexpectedEnd
    {
      throw QMPClientError.truncatedMessage(error)
    }
    return try message(item)
  }

  private static func message(_ item: QMPStreamItem) throws -> InboundOut {
    switch item {
    case .event(let event): return .event(event)
    case .item(let item): return try message(item)
    }
  }

  private static func message(_ item: JSONStreamItem) throws -> InboundOut {
    switch item {
    case .value(let value): return .json(value)
    case .resetMarker: return .resetMarker
    case .error(let error):
      if case .tooLarge = error.reason { throw QMPClientError.messageTooLarge(error) }
      return .malformed(error)
    }
  }
}

extension QMPWireCodec.Message: CustomStringConvertible {
  /// Compact JSON for wire logs (the session logs every message at trace level).
  public var description: String {
    switch self {
    case .json(let value): return value.serialized()
    case .event(let event):
      return event.compactJSON.map { String(decoding: $0, as: UTF8.self) }
        ?? event.json.serialized()
    case .resetMarker: return "<0xFF>"
    case .malformed(let error): return "<malformed: \(error)>"
    case .raw(let bytes): return "<\(bytes.count) raw bytes>"
    }
  }
}
