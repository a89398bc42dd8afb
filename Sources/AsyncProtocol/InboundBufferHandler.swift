import NIOCore

/// The last handler of a session's pipeline: hands every batch to its ``InboundBuffer`` and
/// holds reads back while that buffer is full.
final class InboundBufferHandler<Message: Sendable>: ChannelDuplexHandler {
  typealias InboundIn = [Message]
  typealias OutboundIn = Never

  private let buffer: InboundBuffer<Message>

  init(_ buffer: InboundBuffer<Message>) {
    self.buffer = buffer
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    buffer.append(unwrapInboundIn(data))
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    buffer.finish(error)
  }

  func channelInactive(context: ChannelHandlerContext) {
    buffer.finish(nil)
    context.fireChannelInactive()
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    buffer.finish(nil)
  }

  func read(context: ChannelHandlerContext) {
    if buffer.holdsRead() { return }
    context.read()
  }
}
