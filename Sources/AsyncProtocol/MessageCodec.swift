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
}
