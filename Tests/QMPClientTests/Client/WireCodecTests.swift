import NIOCore
import NIOEmbedded
import QMPClient
import QMPCodec
import Testing

/// The wire codec inside a real NIO pipeline (EmbeddedChannel), so framing across reads and
/// the handler's calling rules are exercised as the session uses them.
struct WireCodecTests {
  private func channel(maximumMessageSize: Int = 1 << 20) throws -> EmbeddedChannel {
    let channel = EmbeddedChannel()
    let decoder = QMPWireCodec(maximumMessageSize: maximumMessageSize).makeDecoder()
    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
    return channel
  }

  private func feed(_ channel: EmbeddedChannel, _ text: [UInt8]) throws {
    try channel.writeInbound(ByteBuffer(bytes: text))
  }

  private func drain(_ channel: EmbeddedChannel) throws -> [QMPWireCodec.Message] {
    var messages: [QMPWireCodec.Message] = []
    while let message = try channel.readInbound(as: QMPWireCodec.Message.self) {
      messages.append(message)
    }
    return messages
  }

  @Test func everyMessageOfOneReadIsDelivered() throws {
    let channel = try channel()
    try feed(channel, Array("{\"event\":\"STOP\"}\r\n{\"return\":{},\"id\":\"a\"}\r\n".utf8))
    let messages = try drain(channel)
    #expect(
      messages == [
        .event(try QMPEvent(json: ["event": "STOP"])), .json(["return": [:], "id": "a"]),
      ])
  }

  @Test func simpleEventsComeAsCompactTextAndOthersAsTrees() throws {
    let channel = try channel()
    try feed(
      channel,
      Array(
        (#"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP"}"# + "\r\n"
          + #"{"event": "X", "data": {"s": "a\"b"}}"# + "\r\n").utf8))
    let messages = try drain(channel)
    try #require(messages.count == 2)
    guard case .event(let stop) = messages[0] else {
      Issue.record("QEMU's STOP was not read as a compact event: \(messages[0])")
      return
    }
    #expect(
      stop.compactJSON.map { String(decoding: $0, as: UTF8.self) }
        == #"{"timestamp":{"seconds":1,"microseconds":2},"event":"STOP"}"#)
    // An escape in a string could print differently: that event is parsed as before.
    #expect(messages[1] == .json(["event": "X", "data": ["s": "a\"b"]]))
  }

  @Test func messagesSplitAcrossReadsAndTheSentinel() throws {
    let channel = try channel()
    try feed(channel, Array("{\"ret".utf8))
    #expect(try drain(channel).isEmpty)
    try feed(channel, Array("urn\": 1}\n".utf8) + [0xFF] + Array("{\"return\": 2}\n".utf8))
    #expect(try drain(channel) == [.json(["return": 1]), .resetMarker, .json(["return": 2])])
  }

  @Test func malformedMessageIsAValueNotAnError() throws {
    let channel = try channel()
    try feed(channel, Array("{\"return\": nope}\n{\"return\": 3}\n".utf8))
    let messages = try drain(channel)
    #expect(messages.count == 2)
    guard case .malformed = messages.first else {
      Issue.record("expected a malformed message first, got \(messages)")
      return
    }
    #expect(messages.last == .json(["return": 3]))
  }

  @Test func oversizeMessageFailsTheChannel() throws {
    let channel = try channel(maximumMessageSize: 64)
    let error = #expect(throws: QMPClientError.self) {
      try feed(channel, Array("{\"return\": \"\(String(repeating: "x", count: 100))\"}".utf8))
    }
    #expect(error?.description.contains("exceeds the maximum message size of 64") == true)
  }

  @Test func messageCutOffAtEOFIsATruncation() throws {
    let channel = try channel()
    try feed(channel, Array("{\"return\": [1,".utf8))
    let error = #expect(throws: QMPClientError.self) { _ = try channel.finish() }
    #expect(error?.description.contains("middle of a message") == true)
  }

  /// NIO's single-step processor calls `decode(buffer:)` only while its buffer has unread
  /// bytes; a decoder that took every byte at once used to strand the rest of a read.
  @Test func singleStepFormDeliversEveryMessageOfOneRead() throws {
    let read = Array("{\"return\": 1}\r\n{\"event\": \"STOP\"}\r\n{\"return\": 3}\r\n".utf8)
    let processor = NIOSingleStepByteToMessageProcessor(QMPWireCodec().makeDecoder())
    var messages: [QMPWireCodec.Message] = []
    try processor.process(buffer: ByteBuffer(bytes: read)) { messages.append($0) }
    #expect(
      messages == [
        .json(["return": 1]), .event(try QMPEvent(json: ["event": "STOP"])), .json(["return": 3]),
      ]
    )
    // The next read completes a message begun in it, and brings one more.
    try processor.process(buffer: ByteBuffer(bytes: Array("{\"return\": [4".utf8))) {
      messages.append($0)
    }
    try processor.process(buffer: ByteBuffer(bytes: Array("]}{\"return\": 5}\n".utf8))) {
      messages.append($0)
    }
    #expect(messages.suffix(2) == [.json(["return": [4]]), .json(["return": 5])])
  }

  @Test func singleStepFormAtEndOfFileDeliversAllThenTheTruncation() throws {
    let read = Array("{\"return\": 1}\n{\"return\": 2}\n{\"return\": 3}\n{\"return\"".utf8)
    let processor = NIOSingleStepByteToMessageProcessor(QMPWireCodec().makeDecoder())
    var messages: [QMPWireCodec.Message] = []
    try processor.process(buffer: ByteBuffer(bytes: read)) { messages.append($0) }
    let error = #expect(throws: QMPClientError.self) {
      try processor.finishProcessing(seenEOF: true) { messages.append($0) }
    }
    #expect(messages == [.json(["return": 1]), .json(["return": 2]), .json(["return": 3])])
    #expect(error?.description.contains("middle of a message") == true)
  }

  @Test func encodesCompactJSONAndRawBytes() throws {
    let codec = QMPWireCodec()
    var buffer = ByteBuffer()
    try codec.encode(.json(["execute": "stop", "id": "q-1"]), into: &buffer)
    try codec.encode(.resetMarker, into: &buffer)
    try codec.encode(.raw([1, 2]), into: &buffer)
    #expect(
      Array(buffer.readableBytesView) == Array("{\"execute\":\"stop\",\"id\":\"q-1\"}\n".utf8) + [
        0xFF, 1, 2,
      ])
    #expect(throws: QMPClientError.self) {
      try codec.encode(
        .malformed(JSONStreamError(.tooLarge(limit: 1), streamOffset: 0)), into: &buffer)
    }
  }
}
