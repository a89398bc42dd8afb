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
/// The stream decoder takes bytes in bulk and may then hold several complete messages. NIO's
/// `ByteToMessageHandler` only calls `decode` again while its buffer has unread bytes, so the
/// single-step form alone would strand the second of two messages that arrived in one read
/// until more bytes come. The channel-handler form below therefore emits every complete
/// message at once; the single-step form is kept for the protocol's requirements.
public struct QMPWireDecoder: NIOSingleStepByteToMessageDecoder {
  public typealias InboundOut = QMPWireCodec.Message

  private var stream: JSONStreamDecoder

  init(maximumMessageSize: Int) {
    stream = JSONStreamDecoder(maximumMessageSize: maximumMessageSize)
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
    if let item = stream.nextQMP() { return try Self.message(item) }
    take(&buffer)
    return try stream.nextQMP().map(Self.message)
  }

  public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> InboundOut? {
    if let message = try decode(buffer: &buffer) { return message }
    guard seenEOF, let item = stream.finish() else { return nil }
    return try Self.last(item)
  }

  private mutating func take(_ buffer: inout ByteBuffer) {
    guard buffer.readableBytes > 0 else { return }
    buffer.withUnsafeReadableBytes { stream.append($0) }
    buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
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
