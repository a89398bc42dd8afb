import NIOCore

/// Decodes inbound bytes with the codec and hands on one array of messages per burst of
/// socket reads (at `channelReadComplete`), in place of NIO's `ByteToMessageHandler`.
///
/// Crossing from the event loop into the reader task costs the same for one message as for a
/// hundred, and QMP peers send bursts (a reply with its events, a flood of events); so the
/// reader gets whole reads. Decoding goes through ``MessageCodec/decodeAll(with:from:atEnd:into:)``
/// in one call per read: no `NIOAny` box and no pipeline hop per message, and a codec can
/// decode a read in one specialised loop. Order is kept: the messages decoded so far are
/// handed on before an error, an end of input or any other inbound event.
///
/// A decoder error ends decoding (later bytes are ignored) and goes down the pipeline as
/// `errorCaught`, after the messages that came before it. At end of input what is left is
/// decoded as the last part of the stream, so a message cut off by the peer is an error.
final class BatchDecoder<Codec: MessageCodec>: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias InboundOut = [Codec.Message]

  private let codec: Codec
  private var decoder: Codec.Decoder
  /// Bytes the decoder left unread (the start of a message, for a decoder that does not keep
  /// them itself); the next read is appended to them.
  private var leftover: ByteBuffer?
  private var pending: [Codec.Message] = []
  /// The decoder failed or the input ended: nothing more is decoded.
  private var stopped = false

  init(codec: Codec) {
    self.codec = codec
    self.decoder = codec.makeDecoder()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    guard !stopped else { return }
    var buffer = unwrapInboundIn(data)
    if var held = leftover {
      leftover = nil
      held.writeBuffer(&buffer)
      buffer = held
    }
    decode(context, &buffer, atEnd: false)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    flush(context)
    context.fireChannelReadComplete()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    flush(context)
    context.fireErrorCaught(error)
  }

  func channelInactive(context: ChannelHandlerContext) {
    endOfInput(context)
    context.fireChannelInactive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if case ChannelEvent.inputClosed = event {
      endOfInput(context)
    } else {
      flush(context)
    }
    context.fireUserInboundEventTriggered(event)
  }

  private func endOfInput(_ context: ChannelHandlerContext) {
    if !stopped {
      var buffer = leftover ?? context.channel.allocator.buffer(capacity: 0)
      leftover = nil
      decode(context, &buffer, atEnd: true)
      stopped = true
    }
    flush(context)
  }

  private func decode(_ context: ChannelHandlerContext, _ buffer: inout ByteBuffer, atEnd: Bool) {
    do {
      try codec.decodeAll(with: &decoder, from: &buffer, atEnd: atEnd, into: &pending)
    } catch {
      stopped = true
      flush(context)
      context.fireErrorCaught(error)
      return
    }
    if buffer.readableBytes > 0 && !atEnd {
      buffer.discardReadBytes()
      leftover = buffer
    }
  }

  private func flush(_ context: ChannelHandlerContext) {
    guard !pending.isEmpty else { return }
    let batch = pending
    pending = []
    pending.reserveCapacity(batch.count)
    context.fireChannelRead(wrapInboundOut(batch))
  }
}
