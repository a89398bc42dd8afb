import Foundation
import QMPCodec

/// Our parser, stream decoder and serializer against Foundation's `JSONSerialization` on the
/// same bytes, in the same process.
enum CodecBenchmark {
  struct Mismatch: Error, CustomStringConvertible {
    let description: String
  }

  /// Hands `bytes` to `decoder` in 64 KiB pieces, as socket reads would, and every item to
  /// `handle`.
  static func feed(
    _ bytes: [UInt8], to decoder: inout JSONStreamDecoder,
    _ handle: (JSONStreamItem) throws -> Void
  ) throws {
    try bytes.withUnsafeBytes { all in
      var offset = 0
      while offset < all.count {
        let end = min(all.count, offset + 65_536)
        decoder.append(UnsafeRawBufferPointer(rebasing: all[offset..<end]))
        offset = end
        while let item = decoder.next() { try handle(item) }
      }
    }
  }

  static func run(_ options: BenchmarkOptions) throws {
    let documentSize = options.quick ? 200_000 : 10_000_000
    let messageCount = options.quick ? 2_000 : 100_000
    let repetitions = options.repetitions
    let theirRepetitions = options.oursOnly ? 0 : repetitions

    let document = SampleDocuments.schemaLike(targetBytes: documentSize)
    let data = Data(document)
    var table = MarkdownTable(header: [
      "codec", "input", "qmp-shell MB/s", "Foundation MB/s", "speed-up",
    ])

    // Parse one big document.
    var parsed: JSONValue = nil
    let ourParse = try fastest(repetitions) { parsed = try JSONValue(parsing: document) }
    var foundationObject: Any = NSNull()
    let theirParse = try fastest(theirRepetitions) {
      foundationObject = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    }
    guard let array = parsed.arrayValue,
      options.oursOnly || (foundationObject as? [Any])?.count == array.count
    else { throw Mismatch(description: "the parsers disagree on the document") }
    table.rows.append([
      "parse document", megabytes(document.count), rate(document.count, ourParse),
      rate(document.count, theirParse), ratio(ourParse, theirParse),
    ])

    // Serialize it back, compact and pretty.
    var output: [UInt8] = []
    let ourCompact = fastest(repetitions) {
      output.removeAll(keepingCapacity: true)
      parsed.write(to: &output, style: .compact)
    }
    guard output == document else {
      throw Mismatch(description: "compact output differs from input")
    }
    var theirOutput = Data()
    let theirCompact = try fastest(theirRepetitions) {
      theirOutput = try JSONSerialization.data(withJSONObject: foundationObject, options: [])
    }
    consume(theirOutput)
    table.rows.append([
      "serialize compact", megabytes(document.count), rate(document.count, ourCompact),
      rate(document.count, theirCompact), ratio(ourCompact, theirCompact),
    ])
    let ourPretty = fastest(repetitions) {
      output.removeAll(keepingCapacity: true)
      parsed.write(to: &output, style: .pretty)
    }
    let theirPretty = try fastest(theirRepetitions) {
      theirOutput = try JSONSerialization.data(
        withJSONObject: foundationObject, options: [.prettyPrinted])
    }
    consume(theirOutput)
    table.rows.append([
      "serialize pretty (rate of compact bytes)", megabytes(document.count),
      rate(document.count, ourPretty), rate(document.count, theirPretty),
      ratio(ourPretty, theirPretty),
    ])

    // The big document as one reply arriving in 64 KiB reads: framing must stay linear.
    let ourBigReply = try fastest(repetitions) {
      var decoder = JSONStreamDecoder()
      var values = 0
      try feed(document, to: &decoder) { item in
        guard case .value = item else { throw Mismatch(description: "stream item \(item)") }
        values += 1
      }
      guard values == 1 else { throw Mismatch(description: "decoded \(values) of 1") }
    }
    table.rows.append([
      "stream: the document as one reply", megabytes(document.count),
      rate(document.count, ourBigReply), rate(document.count, theirParse),
      ratio(ourBigReply, theirParse),
    ])

    // A stream of small messages, in 64 KiB reads as from a socket. Foundation cannot frame
    // a stream, so it gets the easier job of parsing lines we split for it.
    let (stream, count) = SampleDocuments.messageStream(count: messageCount)
    let ourStream = try fastest(repetitions) {
      var decoder = JSONStreamDecoder()
      var values = 0
      try feed(stream, to: &decoder) { item in
        guard case .value = item else { throw Mismatch(description: "stream item \(item)") }
        values += 1
      }
      guard values == count else { throw Mismatch(description: "decoded \(values) of \(count)") }
    }
    let streamData = Data(stream)
    let theirStream = try fastest(theirRepetitions) {
      var values = 0
      var start = streamData.startIndex
      while let newline = streamData[start...].firstIndex(of: 0x0A) {
        consume(try JSONSerialization.jsonObject(with: streamData[start..<newline]))
        values += 1
        start = newline + 1
      }
      guard values == count else { throw Mismatch(description: "Foundation parsed \(values)") }
    }
    table.rows.append([
      "stream of \(count) messages", megabytes(stream.count), rate(stream.count, ourStream),
      rate(stream.count, theirStream), ratio(ourStream, theirStream),
    ])
    let perSecond = Double(count) / ourStream
    print("## codec\(options.quick ? " (quick: smoke test only, numbers meaningless)" : "")\n")
    print(table.render())
    print(
      "\nStream: \(String(format: "%.0f", perSecond)) messages/s;"
        + " best of \(repetitions) runs each; Foundation is swift-corelibs-foundation's"
        + " JSONSerialization (stream rows: a whole-document parse for the big reply; lines"
        + " pre-split for it for the small messages, since it cannot frame a stream).\n")
  }
}
