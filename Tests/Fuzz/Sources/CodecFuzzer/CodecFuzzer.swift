import QMPCodec

/// One libFuzzer input. Besides "does not crash" (parser, stream decoder, serializer, QMP
/// message model), it checks properties that a bug in the codec would break:
/// - a parsed value serialises (compact and pretty) to text that parses back to the same value;
/// - the stream decoder gives the same items whether the input arrives whole or in chunks
///   (chunk sizes taken from the input itself), so framing state carried between chunks is
///   right;
/// - every decoded stream value is also what the plain parser makes of the same message.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: start, count: count))
  checkRoundTrip(bytes)
  checkStreamChunking(bytes)
  return 0
}

func checkRoundTrip(_ bytes: [UInt8]) {
  guard let value = try? JSONValue(parsing: bytes, maximumDepth: 64) else { return }
  checkMessageModel(value)
  _ = value.serialized(.pretty, colors: .default)
  for style in [JSONStyle.compact, .pretty] {
    let text = value.serialized(style)
    guard let again = try? JSONValue(parsing: text, maximumDepth: 64) else {
      fatalError("serialised text does not parse: \(text)")
    }
    guard again == value else {
      fatalError("round trip changed the value: \(value) -> \(text) -> \(again)")
    }
  }
}

/// The QMP types must reject what they cannot represent with an error, never a crash, and
/// a command must survive a trip through its JSON form.
func checkMessageModel(_ value: JSONValue) {
  _ = try? QMPMessage(json: value)
  guard let command = try? QMPCommand(json: value) else { return }
  guard (try? QMPCommand(json: command.json)) == command else {
    fatalError("command does not round-trip: \(value)")
  }
}

func checkStreamChunking(_ bytes: [UInt8]) {
  let limit = 200
  var whole = JSONStreamDecoder(maximumMessageSize: limit, maximumDepth: 32)
  whole.append(bytes)
  var expected: [JSONStreamItem] = []
  while let item = whole.next() { expected.append(item) }
  while let item = whole.finish() { expected.append(item) }

  var chunked = JSONStreamDecoder(maximumMessageSize: limit, maximumDepth: 32)
  var items: [JSONStreamItem] = []
  var offset = 0
  var seed = UInt32(truncatingIfNeeded: bytes.count) &* 2_654_435_761
  while offset < bytes.count {
    seed = seed &* 1_103_515_245 &+ 12345
    let size = min(bytes.count - offset, Int(seed >> 16) % 17 + 1)
    chunked.append(bytes[offset..<(offset + size)])
    offset += size
    while let item = chunked.next() { items.append(item) }
  }
  while let item = chunked.finish() { items.append(item) }

  guard items == expected else {
    fatalError("chunked decoding differs: \(items) vs \(expected)")
  }
}

/// SwiftPM links an executable target with `main` renamed to `<Target>_main`, which a
/// `-parse-as-library` module does not define. Defining it here and handing control to
/// libFuzzer's driver gives the usual libFuzzer command line.
@_cdecl("CodecFuzzer_main")
public func codecFuzzerMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var argc = argc
  var argv = argv
  return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
