import NIOCore

/// Groups the messages decoded from one socket read into a single array.
///
/// Crossing from the event loop into the reader task costs the same for one message as for a
/// hundred; QMP peers send bursts (a reply with its events, a flood of events), so handing
/// over one array per read instead of one element per message is what keeps the inbound path
/// cheap. Order is kept: a batch is handed over before an error or the end of input.
final class MessageBatcher<Message>: ChannelInboundHandler {
  typealias InboundIn = Message
  typealias InboundOut = [Message]

  private var pending: [Message] = []

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    pending.append(unwrapInboundIn(data))
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
    flush(context)
    context.fireChannelInactive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    flush(context)
    context.fireUserInboundEventTriggered(event)
  }

  private func flush(_ context: ChannelHandlerContext) {
    guard !pending.isEmpty else { return }
    let batch = pending
    pending.removeAll(keepingCapacity: true)
    context.fireChannelRead(wrapInboundOut(batch))
  }
}
