import QMPCodec
import Testing

/// Feeds `chunks` to a fresh decoder, then finishes it; returns every item in order.
func decodeAll(_ chunks: [[UInt8]], maximumMessageSize: Int = 1 << 20) -> [JSONStreamItem] {
  var decoder = JSONStreamDecoder(maximumMessageSize: maximumMessageSize)
  var items: [JSONStreamItem] = []
  for chunk in chunks {
    decoder.append(chunk)
    while let item = decoder.next() { items.append(item) }
  }
  while let item = decoder.finish() { items.append(item) }
  return items
}

func decodeAll(_ text: String, maximumMessageSize: Int = 1 << 20) -> [JSONStreamItem] {
  decodeAll([Array(text.utf8)], maximumMessageSize: maximumMessageSize)
}

extension JSONStreamItem {
  var parseError: JSONParseError? {
    if case .error(let error) = self, case .malformed(let parseError) = error.reason {
      return parseError
    }
    return nil
  }

  var streamError: JSONStreamError? {
    if case .error(let error) = self { return error }
    return nil
  }
}

@Suite struct JSONStreamDecoderTests {
  let greeting =
    #"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}"#

  @Test func yieldsNothingUntilAMessageIsComplete() {
    var decoder = JSONStreamDecoder()
    decoder.append(Array(#"{"return": "#.utf8))
    #expect(decoder.next() == nil)
    #expect(decoder.bufferedByteCount == 11)
    decoder.append(Array("{}}\r\n".utf8))
    #expect(decoder.next() == .value(["return": [:]]))
    #expect(decoder.next() == nil)
    #expect(decoder.finish() == nil)
  }

  @Test func aMessageSplitAtEveryByteOffsetDecodesTheSame() throws {
    let text = greeting + "\r\n" + #"{"event": "STOP", "data": {"s": "a\"}\\{"}}"# + "\r\n"
    let bytes = Array(text.utf8)
    let whole = decodeAll([bytes])
    #expect(whole.count == 2)
    #expect(whole.allSatisfy { if case .value = $0 { true } else { false } })
    for cut in 0...bytes.count {
      #expect(decodeAll([Array(bytes[..<cut]), Array(bytes[cut...])]) == whole, "cut at \(cut)")
    }
    // And one byte at a time.
    #expect(decodeAll(bytes.map { [$0] }) == whole)
  }

  @Test func manyMessagesInOneChunk() {
    let text = (0..<1000).map { #"{"event":"E","data":{"n":\#($0)}}"# + "\r\n" }.joined()
    let items = decodeAll(text)
    #expect(items.count == 1000)
    #expect(items.last == .value(["event": "E", "data": ["n": 999]]))
  }

  @Test func framesByValueNotByLine() {
    // QEMU with pretty=on, and messages with no separator at all.
    let text =
      "{\n    \"return\": {\n        \"a\": [\n            {\n            }\n        ]\n    }\n}\n{\"b\":1}{\"c\":2}[3]"
    #expect(
      decodeAll(text) == [
        .value(["return": ["a": [[:]]]]), .value(["b": 1]), .value(["c": 2]), .value([3]),
      ])
  }

  @Test func topLevelScalarsEndAtWhitespaceOrTheEnd() {
    #expect(
      decodeAll("1 \"two\" true\nnull 2.5") == [
        .value(1), .value("two"), .value(true), .value(nil), .value(2.5),
      ])
    #expect(decodeAll(#""a\"b"{}"#) == [.value("a\"b"), .value([:])])
  }

  @Test func resetMarkerIsReportedBetweenMessages() {
    var bytes =
      Array(#"{"error": {"class": "GenericError", "desc": "stale"}}"#.utf8) + [0x0A, 0xFF]
    bytes += Array(#"{"return": 42}"#.utf8) + [0x0A]
    let items = decodeAll([bytes])
    #expect(items.count == 3)
    #expect(items[1] == .resetMarker)
    #expect(items[2] == .value(["return": 42]))
  }

  @Test func resetMarkerInsideAMessageDropsItWithAnError() {
    let bytes = Array(#"{"return": {"a": "#.utf8) + [0xFF] + Array(#"{"return": 1}"#.utf8)
    let items = decodeAll([bytes])
    #expect(items.count == 3)
    #expect(items[0].parseError?.reason == .unexpectedEnd)
    #expect(items[1] == .resetMarker)
    #expect(items[2] == .value(["return": 1]))
    // Inside a string too, even right after a backslash.
    let inString = Array(#"{"a": "x\"#.utf8) + [0xFF, 0xFF] + Array("[]".utf8)
    let second = decodeAll([inString])
    #expect(second.count == 4)
    #expect(second[0].streamError != nil)
    #expect(Array(second[1...]) == [.resetMarker, .resetMarker, .value([])])
  }

  @Test func malformedButBalancedMessageIsReportedAndTheNextOneDecodes() {
    let text = #"{"a": 1, "a": 2}"# + "\r\n" + #"{"ok": true}"# + "\r\n"
    let items = decodeAll(text)
    #expect(items.count == 2)
    #expect(items[0].parseError == JSONParseError(.duplicateKey("a"), at: 9))
    #expect(items[0].streamError?.streamOffset == 0)
    #expect(items[1] == .value(["ok": true]))
  }

  @Test func errorOffsetsAreRelativeToTheMessage() {
    let text = "{\"a\":1}\r\n{\"b\": tru}\r\n"
    let items = decodeAll(text)
    #expect(
      items[1].parseError
        == JSONParseError(.unexpectedByte(UInt8(ascii: "}"), expected: "'true'"), at: 9))
    #expect(items[1].streamError?.streamOffset == 9)
    #expect(
      items[1].streamError?.description
        == "malformed JSON message at stream byte 9: unexpected '}' (0x7D), expected 'true' at byte 9 of the message"
    )
  }

  @Test func truncatedMessageRecoversAtABraceStartingALine() {
    // The first message lost its end; the next one starts a line.
    let text = "{\"return\": [1, 2\r\n{\"event\": \"STOP\"}\r\n"
    let items = decodeAll(text)
    #expect(items.count == 2)
    #expect(items[0].parseError?.reason == .unexpectedEnd)
    #expect(items[1] == .value(["event": "STOP"]))
  }

  @Test func newlineInsideAStringRecoversOnTheNextLine() {
    let text = "{\"desc\": \"cut\n{\"return\": {}}\n"
    let items = decodeAll(text)
    #expect(items.count == 2)
    #expect(items[0].parseError == JSONParseError(.controlCharacterInString(0x0A), at: 13))
    #expect(items[1] == .value(["return": [:]]))
  }

  @Test func strayBytesBetweenMessagesAreReported() {
    let items = decodeAll("{\"a\":1}}\r\ngarbage{\"b\":2}\u{1}\n")
    #expect(items.count == 5)
    #expect(items[0] == .value(["a": 1]))
    #expect(
      items[1].parseError?.reason == .unexpectedByte(UInt8(ascii: "}"), expected: "a JSON value"))
    #expect(items[2].parseError?.offset == 0)
    #expect(items[3] == .value(["b": 2]))
    #expect(items[4].parseError?.reason == .unexpectedByte(1, expected: "a JSON value"))
  }

  @Test func oversizeMessageIsReportedAndTheNextOneDecodes() {
    let big = #"{"return": ""# + String(repeating: "x", count: 5000) + #""}"#
    let text = big + "\r\n" + #"{"return": 1}"#
    let items = decodeAll(text, maximumMessageSize: 1000)
    #expect(items.count == 2)
    #expect(items[0].streamError == JSONStreamError(.tooLarge(limit: 1000), streamOffset: 0))
    #expect(
      items[0].streamError?.description.contains("maximum message size of 1000 bytes") == true)
    #expect(items[1] == .value(["return": 1]))

    // Arriving in small chunks: reported once, memory stays bounded, the next one decodes.
    var decoder = JSONStreamDecoder(maximumMessageSize: 1000)
    var found: [JSONStreamItem] = []
    var peak = 0
    for start in stride(from: 0, to: text.utf8.count, by: 100) {
      let chunk = Array(text.utf8).dropFirst(start).prefix(100)
      decoder.append(Array(chunk))
      while let item = decoder.next() { found.append(item) }
      peak = max(peak, decoder.bufferedByteCount)
    }
    while let item = decoder.finish() { found.append(item) }
    #expect(found == items)
    #expect(peak <= 1100)
  }

  /// Reads of 64 KiB and a limit of four reads: the fifth read used to be appended (doubling
  /// the buffer to eight reads and copying four into it) before the scan saw the message was
  /// too large. The limit is checked before appending: memory stays within the limit.
  @Test func anOversizeMessageNeverMakesTheBufferPassTheLimit() {
    let read = 1 << 16
    let limit = 4 * read
    var decoder = JSONStreamDecoder(maximumMessageSize: limit)
    let text = Array((#"{"QMP": ""# + String(repeating: "v", count: 10 * read) + #""}"#).utf8)
    var found: [JSONStreamItem] = []
    var peak = 0
    var peakHeld = 0
    for start in stride(from: 0, to: text.count, by: read) {
      text[start..<min(start + read, text.count)].withUnsafeBytes { decoder.append($0) }
      peak = max(peak, decoder.reservedByteCount)
      peakHeld = max(peakHeld, decoder.bufferedByteCount)
      while let item = decoder.next() { found.append(item) }
    }
    // Checked before appending: never more than the limit is held.
    #expect(peakHeld <= limit)
    decoder.append(Array("{}".utf8))
    while let item = decoder.next() { found.append(item) }
    #expect(found.count == 2)
    #expect(found.first?.streamError?.reason == .tooLarge(limit: limit))
    #expect(found.last == .value([:]))
    #expect(peak <= limit + 4096, "peak \(peak) bytes reserved")
  }

  /// A message can end at the byte after its last one without taking it: the check made
  /// before appending must not call a message at the limit too large because of that byte
  /// (found by the wire fuzzer with one-byte reads).
  @Test(arguments: [
    // Broken by a `{` at the start of a line, right after 8 bytes.
    ("{\"ab\":1\n{}", 8),
    // A bare number ends at the blank after it.
    ("123 {}", 3),
    // Interrupted by a 0xFF.
    ("{\"ab\":1,\u{FF}{}", 8),
  ])
  func messageEndingRightAfterTheLimitIsNotRefusedInOneByteReads(text: String, limit: Int) {
    var bytes = Array(text.utf8)
    if let marker = bytes.firstIndex(of: 0xC3) {
      // "\u{FF}" is two bytes of UTF-8; the wire has the single byte 0xFF.
      bytes.replaceSubrange(marker...(marker + 1), with: [0xFF])
    }
    let whole = decodeAll([bytes], maximumMessageSize: limit)
    let oneByOne = decodeAll(bytes.map { [$0] }, maximumMessageSize: limit)
    #expect(oneByOne == whole)
    #expect(!whole.contains { $0.streamError?.reason == .tooLarge(limit: limit) })
  }

  @Test func messageExactlyAtTheLimitIsAccepted() {
    let text = #"{"a":""# + String(repeating: "y", count: 92) + #""}"#
    #expect(text.utf8.count == 100)
    #expect(
      decodeAll(text, maximumMessageSize: 100).first
        == .value(["a": .string(String(repeating: "y", count: 92))]))
    #expect(
      decodeAll(text, maximumMessageSize: 99).first?.streamError?.reason == .tooLarge(limit: 99))
  }

  @Test func finishReportsAnUnfinishedMessage() {
    var decoder = JSONStreamDecoder()
    decoder.append(Array(#"{"return": {"#.utf8))
    #expect(decoder.next() == nil)
    #expect(decoder.finish()?.parseError == JSONParseError(.unexpectedEnd, at: 12))
    #expect(decoder.finish() == nil)
    #expect(decoder.bufferedByteCount == 0)
    // Reusable afterwards.
    decoder.append(Array("{}".utf8))
    #expect(decoder.next() == .value([:]))
  }

  @Test func acceptsRawBufferPointers() {
    var decoder = JSONStreamDecoder()
    let bytes = Array("[1]\n[2]\n".utf8)
    bytes.withUnsafeBytes { decoder.append($0) }
    #expect(decoder.next() == .value([1]))
    #expect(decoder.next() == .value([2]))
    #expect(decoder.next() == nil)
  }

  @Test func largeMessageInManyChunksKeepsStreamOffsets() {
    // Enough traffic before a bad message that the buffer is compacted in between.
    let good = String(repeating: #"{"event":"X"}"# + "\r\n", count: 2000)
    let text = good + "{\"bad\" 1}\r\n"
    var chunks: [[UInt8]] = []
    let bytes = Array(text.utf8)
    for start in stride(from: 0, to: bytes.count, by: 777) {
      chunks.append(Array(bytes[start..<min(bytes.count, start + 777)]))
    }
    let items = decodeAll(chunks)
    #expect(items.count == 2001)
    #expect(items.last?.streamError?.streamOffset == good.utf8.count)
    #expect(items.last?.parseError?.offset == 7)
  }
}

@Suite struct JSONStreamChunkingTests {
  /// A stream mixing good messages with every kind of breakage the decoder resyncs from.
  static func messyStream(seed: UInt64) -> [UInt8] {
    var generator = JSONValueGenerator(random: SeededGenerator(seed: seed))
    var bytes: [UInt8] = []
    for index in 0..<60 {
      switch index % 7 {
      case 0: bytes += Array(#"{"a": 1, "a": 2}"#.utf8) + [0x0D, 0x0A]
      case 1: bytes += Array("{\"cut\": [1, \n".utf8)
      case 2: bytes += [0xFF]
      case 3: bytes += Array("{\"s\": \"x\ny\"}\n".utf8)
      case 4: bytes += Array(("{\"big\": \"" + String(repeating: "x", count: 400) + "\"}\r\n").utf8)
      default:
        (["v": generator.value()] as JSONValue).write(
          to: &bytes, style: index % 2 == 0 ? .compact : .pretty)
        bytes += [0x0A]
      }
    }
    return bytes
  }

  @Test(arguments: [1, 2, 3] as [UInt64])
  func chunkBoundariesNeverChangeTheItems(seed: UInt64) {
    let bytes = Self.messyStream(seed: seed)
    let whole = decodeAll([bytes], maximumMessageSize: 300)
    #expect(whole.contains(.resetMarker))
    #expect(whole.contains { $0.streamError?.reason == .tooLarge(limit: 300) })
    #expect(whole.contains { if case .value = $0 { true } else { false } })
    var random = SeededGenerator(seed: seed)
    for _ in 0..<20 {
      var chunks: [[UInt8]] = []
      var offset = 0
      while offset < bytes.count {
        let size = min(bytes.count - offset, Int.random(in: 1...64, using: &random))
        chunks.append(Array(bytes[offset..<(offset + size)]))
        offset += size
      }
      #expect(decodeAll(chunks, maximumMessageSize: 300) == whole)
    }
  }
}
