import NIOCore
import NIOEmbedded
import QMPClient
import QMPCodec

/// What must hold for any bytes a peer sends, as the client's socket pipeline decodes them:
/// `QMPWireCodec`'s decoder inside NIO's `ByteToMessageHandler`, fed in reads of any size.
///
/// An input is `n` (first byte, modulo 8), then `n` chunk sizes (each byte + 1), then the
/// stream. The stream is decoded whole and in the given chunk sizes (cycled); both must give
/// the same messages and end the same way (cleanly, or with the same error), so a message
/// never depends on where a read happened to split the bytes. Each check returns `nil`, or a
/// one-line description of what broke.
///
/// The same chunks also go through the two other ways to drive the decoder, which must agree:
/// `QMPWireCodec.decodeAll` (what the session uses: a whole read per call) and the
/// single-step form under `NIOSingleStepByteToMessageProcessor`. The fuzzer's first input
/// showed that the single-step form used to strand messages (the processor stops calling once
/// its buffer is empty, and the decoder had moved every byte into its stream decoder at once).
enum WireFuzzProperties {
  /// Small, so that short inputs reach the oversize path too.
  static let messageLimit = 256

  /// What a session would have seen: the messages, then how the stream ended.
  struct Outcome: Equatable, CustomStringConvertible {
    var messages: [QMPWireCodec.Message] = []
    /// The error that ended the session, or `nil` for a clean end of stream.
    var failure: String?

    var description: String {
      "\(messages.map(\.description)) then \(failure ?? "end of stream")"
    }
  }

  static func check(_ input: [UInt8]) -> String? {
    guard let first = input.first else { return nil }
    let sizeCount = Int(first % 8)
    let sizes = input.dropFirst().prefix(sizeCount).map { Int($0) + 1 }
    let stream = Array(input.dropFirst(1 + sizeCount))

    let whole = throughPipeline(stream, chunkSizes: [max(stream.count, 1)])
    let chunked = throughPipeline(stream, chunkSizes: sizes.isEmpty ? [1] : sizes)
    guard chunked == whole else {
      return "chunks \(sizes) give \(chunked); the whole stream gives \(whole)"
    }
    let pieces = chunks(of: stream, sizes: sizes.isEmpty ? [1] : sizes)
    let batched = throughDecodeAll(pieces)
    guard batched == whole else {
      return "decodeAll over chunks \(sizes) gives \(batched); the pipeline gives \(whole)"
    }
    let stepped = throughSingleStep(pieces)
    guard stepped == whole else {
      return
        "the single-step form over chunks \(sizes) gives \(stepped); the pipeline gives \(whole)"
    }
    return nil
  }

  /// The stream as the session decodes it: one `decodeAll` per read, then one at the end.
  static func throughDecodeAll(_ pieces: [ArraySlice<UInt8>]) -> Outcome {
    let codec = QMPWireCodec(maximumMessageSize: messageLimit)
    var decoder = codec.makeDecoder()
    var outcome = Outcome()
    do {
      for piece in pieces {
        var buffer = ByteBuffer(bytes: piece)
        try codec.decodeAll(with: &decoder, from: &buffer, atEnd: false, into: &outcome.messages)
      }
      var empty = ByteBuffer()
      try codec.decodeAll(with: &decoder, from: &empty, atEnd: true, into: &outcome.messages)
    } catch {
      outcome.failure = String(describing: error)
    }
    return outcome
  }

  /// The stream through NIO's single-step processor, one `process` per read.
  static func throughSingleStep(_ pieces: [ArraySlice<UInt8>]) -> Outcome {
    let processor = NIOSingleStepByteToMessageProcessor(
      QMPWireCodec(maximumMessageSize: messageLimit).makeDecoder())
    var outcome = Outcome()
    do {
      for piece in pieces {
        try processor.process(buffer: ByteBuffer(bytes: piece)) { outcome.messages.append($0) }
      }
      try processor.finishProcessing(seenEOF: true) { outcome.messages.append($0) }
    } catch {
      outcome.failure = String(describing: error)
    }
    return outcome
  }

  /// The stream as the client's channel pipeline sees it: reads, then end of file.
  static func throughPipeline(_ stream: [UInt8], chunkSizes: [Int]) -> Outcome {
    let channel = EmbeddedChannel(
      handler: ByteToMessageHandler(QMPWireCodec(maximumMessageSize: messageLimit).makeDecoder()))
    var outcome = Outcome()
    func drain() {
      while let message = try? channel.readInbound(as: QMPWireCodec.Message.self) {
        outcome.messages.append(message)
      }
    }
    do {
      for chunk in chunks(of: stream, sizes: chunkSizes) {
        var buffer = channel.allocator.buffer(capacity: chunk.count)
        buffer.writeBytes(chunk)
        try channel.writeInbound(buffer)
        drain()
      }
      _ = try channel.finish()
      drain()
    } catch {
      drain()
      outcome.failure = String(describing: error)
      _ = try? channel.finish(acceptAlreadyClosed: true)
    }
    return outcome
  }

  /// `stream` cut into consecutive pieces of `sizes[0]`, `sizes[1]`, … bytes (cycled).
  static func chunks(of stream: [UInt8], sizes: [Int]) -> [ArraySlice<UInt8>] {
    var pieces: [ArraySlice<UInt8>] = []
    var offset = 0
    var turn = 0
    while offset < stream.count {
      let size = min(sizes[turn % sizes.count], stream.count - offset)
      pieces.append(stream[offset..<(offset + size)])
      offset += size
      turn += 1
    }
    return pieces
  }
}
