import NIOCore

/// Turns bytes into messages and back, so that the session can stay ignorant of the wire format.
///
/// A fresh decoder is made for every connection because decoders keep framing state (a half
/// received message must never leak into the next connection).
///
/// A decoder that *throws* ends the session: the error becomes the session's root cause. A
/// problem the owner can live with (for example one malformed QMP message) should be returned
/// as a message value instead. Bytes left over at end-of-file that do not form a whole message
/// should make `decodeLast(buffer:seenEOF:)` throw a truncation error, so a peer that closes
/// mid-message is reported as such and not as a clean end-of-file.
public protocol MessageCodec: Sendable {
  associatedtype Message: Sendable
  associatedtype Decoder: NIOSingleStepByteToMessageDecoder where Decoder.InboundOut == Message

  /// Makes the decoder for one connection.
  func makeDecoder() -> Decoder

  /// Appends the wire form of `message` to `buffer`.
  func encode(_ message: Message, into buffer: inout ByteBuffer) throws

  /// Decodes every complete message of `buffer` with `decoder`, appending them to `messages`
  /// in order. With `atEnd`, the stream has ended: what is left is decoded as its last part
  /// (`decodeLast(buffer:seenEOF: true)`), and an unfinished message should throw.
  ///
  /// The session calls this once per socket read and hands the messages to its owner as one
  /// batch. The default calls the single-step decoder until it returns `nil` (not until the
  /// buffer is empty: a decoder may hold complete messages of its own). A codec overrides it
  /// when it can decode a whole read in one specialised loop.
  func decodeAll(
    with decoder: inout Decoder, from buffer: inout ByteBuffer, atEnd: Bool,
    into messages: inout [Message]) throws
}

extension MessageCodec {
  public func decodeAll(
    with decoder: inout Decoder, from buffer: inout ByteBuffer, atEnd: Bool,
    into messages: inout [Message]
  ) throws {
    if atEnd {
      while let message = try decoder.decodeLast(buffer: &buffer, seenEOF: true) {
        messages.append(message)
      }
    } else {
      while let message = try decoder.decode(buffer: &buffer) {
        messages.append(message)
      }
    }
  }
}
