import QMPCodec
import Testing

/// Random QMP event texts as a peer could write them: QEMU's spacing or none or odd blanks,
/// members in any order, and data that is sometimes inside the compactor's subset and
/// sometimes just outside it (escapes, `-0`, fractions, long numbers, DEL, non-ASCII,
/// duplicate keys, deep nesting, broken syntax).
struct EventTextGenerator {
  var random: SeededGenerator
  /// Whether everything generated so far is inside the subset the compactor must accept.
  var simple = true

  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

  /// Blanks between tokens. A line break is followed by indentation, as in QEMU's pretty
  /// output: a `{` at the start of a line starts a new message for the stream decoder.
  mutating func blank() -> String {
    ["", "", " ", " ", "  ", "\t", "\r\n ", "\n  "].randomElement(using: &random)!
  }

  mutating func plainString() -> String {
    let alphabet = Array("abcXYZ019 _-.:/{}[],#'")
    let count = Int.random(in: 0...12, using: &random)
    return "\"" + String((0..<count).map { _ in alphabet.randomElement(using: &random)! }) + "\""
  }

  mutating func string() -> String {
    if chance(85) { return plainString() }
    simple = false
    return [
      #""say \"hi\"""#, #""a\\b""#, #""\/x""#, #""line\nbreak""#, #""\u0041""#, "\"caf\u{E9}\"",
      "\"\u{65E5}\u{672C}\"", "\"del\u{7F}\"", #""\ud83d\ude00""#,
    ].randomElement(using: &random)!
  }

  mutating func number() -> String {
    if chance(85) {
      let magnitude = UInt64.random(in: 0...999_999_999_999_999_999, using: &random)
      let digits = String(magnitude >> UInt64.random(in: 0...59, using: &random))
      return (chance(20) && digits != "0" ? "-" : "") + digits
    }
    simple = false
    return [
      "-0", "1.5", "-0.0", "1e3", "2E-2", "1234567890123456789", "-9223372036854775808",
      "18446744073709551615", "99999999999999999999",
    ].randomElement(using: &random)!
  }

  mutating func value(depth: Int) -> String {
    switch Int.random(in: 0..<10, using: &random) {
    case 0, 1: return string()
    case 2, 3: return number()
    case 4: return ["true", "false", "null"].randomElement(using: &random)!
    case 5 where depth < 4, 6 where depth < 4: return object(depth: depth + 1)
    case 7 where depth < 4: return array(depth: depth + 1)
    default: return plainString()
    }
  }

  mutating func array(depth: Int) -> String {
    let count = Int.random(in: 0...4, using: &random)
    let items = (0..<count).map { _ in blank() + value(depth: depth) + blank() }
    return "[" + blank() + items.joined(separator: ",") + "]"
  }

  mutating func object(depth: Int) -> String {
    let keys = ["id", "node-name", "path", "qom-path", "n", "reason", "guest", "a", "b"]
    let count = Int.random(in: 0...4, using: &random)
    var used: Set<String> = []
    var members: [String] = []
    for _ in 0..<count {
      let key = keys.randomElement(using: &random)!
      if !used.insert(key).inserted { simple = false }
      members.append(blank() + "\"\(key)\"" + blank() + ":" + blank() + value(depth: depth))
    }
    return "{" + members.joined(separator: "," + blank()) + blank() + "}"
  }

  mutating func deep() -> String {
    simple = false
    let depth = Int.random(in: 65...80, using: &random)
    return String(repeating: "[", count: depth) + "1" + String(repeating: "]", count: depth)
  }

  /// One event text (usually valid; sometimes broken on purpose).
  /// An event laid out exactly as QEMU writes one (the compactor reads that layout by its
  /// literal text), with now and then a detail that must send it the generic way or to the
  /// parser: other timestamp numbers, a member repeated after `data`, `data` first.
  mutating func qemuEvent() -> String {
    simple = true
    func count() -> String {
      if chance(90) { return String(Int.random(in: 0...1_800_000_000, using: &random)) }
      let odd = ["0", "-5", "007", "1.0", "1e3", "123456789012345678", "1234567890123456789"]
      let pick = odd.randomElement(using: &random)!
      if pick.count > 18 || pick.hasPrefix("00") || pick.contains(".") || pick.contains("e") {
        simple = false
      }
      return pick
    }
    let names = ["STOP", "RESUME", "BLOCK_JOB_COMPLETED", "DEVICE_DELETED", "", "a b"]
    var text =
      "{\"timestamp\": {\"seconds\": \(count()), \"microseconds\": \(count())}, \"event\": "
      + (chance(95) ? "\"\(names.randomElement(using: &random)!)\"" : string())
    if chance(70) { text += ", \"data\": " + object(depth: 1) }
    if chance(5) {
      simple = false
      text += [", \"event\": \"AGAIN\"", ", \"timestamp\": 1"].randomElement(using: &random)!
    }
    return text + "}"
  }

  mutating func event() -> String {
    simple = true
    var members: [String] = []
    if chance(90) {
      let seconds = Int.random(in: 0...1_800_000_000, using: &random)
      let micro = Int.random(in: 0...999_999, using: &random)
      members.append(
        "\"timestamp\":" + blank()
          + (chance(90)
            ? "{\"seconds\":" + blank() + "\(seconds)," + blank() + "\"microseconds\":" + blank()
              + "\(micro)}"
            : "{\"microseconds\": \(micro), \"seconds\": \(seconds)}"))
    }
    let names = ["STOP", "RESUME", "BLOCK_JOB_COMPLETED", "DEVICE_DELETED", "SHUTDOWN"]
    members.append("\"event\":" + blank() + "\"\(names.randomElement(using: &random)!)\"")
    if chance(70) {
      members.append("\"data\":" + blank() + (chance(3) ? deep() : object(depth: 1)))
    }
    members.shuffle(using: &random)
    var text = "{" + blank() + members.joined(separator: "," + blank()) + blank() + "}"
    if chance(3) {
      simple = false
      text = String(text.dropLast()) + ",}"  // a trailing comma
    }
    return text
  }
}

/// Decodes `bytes` with `next()` (the reference) and with `nextQMP()`, in chunks of random
/// sizes; returns both item lists.
private func decodeBoth(_ bytes: [UInt8], random: inout SeededGenerator) -> (
  reference: [JSONStreamItem], fast: [QMPStreamItem]
) {
  var plain = JSONStreamDecoder()
  plain.append(bytes)
  var reference: [JSONStreamItem] = []
  while let item = plain.next() { reference.append(item) }
  while let item = plain.finish() { reference.append(item) }

  var decoder = JSONStreamDecoder()
  var fast: [QMPStreamItem] = []
  var offset = 0
  while offset < bytes.count {
    let size = min(bytes.count - offset, Int.random(in: 1...300, using: &random))
    decoder.append(bytes[offset..<(offset + size)])
    offset += size
    while let item = decoder.nextQMP() { fast.append(item) }
  }
  return (reference, fast)
}

@Suite struct CompactEventTests {
  /// The event `text` decodes to through the compactor; nil if it went to the parser.
  static func shortcut(_ text: String) -> QMPEvent? {
    var decoder = JSONStreamDecoder()
    decoder.append(Array(text.utf8))
    guard case .event(let event)? = decoder.nextQMP() else { return nil }
    return event
  }

  @Test(arguments: [1, 2, 3] as [UInt64], [false, true])
  func shortcutEventsEqualParsedAndSerialisedOnes(seed: UInt64, qemuLayout: Bool) throws {
    var generator = EventTextGenerator(random: SeededGenerator(seed: seed))
    var texts: [String] = []
    var simple: [Bool] = []
    for _ in 0..<2000 {
      texts.append(qemuLayout ? generator.qemuEvent() : generator.event())
      simple.append(generator.simple)
    }
    var random = SeededGenerator(seed: seed &+ 100)
    let (reference, fast) = decodeBoth(
      Array((texts.joined(separator: "\r\n") + "\r\n").utf8), random: &random)
    try #require(fast.count == reference.count)
    var shortcuts = 0
    for (index, (expected, got)) in zip(reference, fast).enumerated() {
      switch got {
      case .event(let event):
        shortcuts += 1
        guard case .value(let json) = expected else {
          Issue.record("message \(index) was an event but the parser said \(expected)")
          continue
        }
        let parsed = try QMPEvent(json: json)
        #expect(event.compactJSON == Array(json.serialized().utf8), "message \(index)")
        #expect(event.json == json, "message \(index)")
        #expect(event.name == parsed.name)
        #expect(event.timestamp == parsed.timestamp)
        #expect(event.data == parsed.data)
        #expect(event == parsed)
      case .item(let item):
        #expect(item == expected, "message \(index)")
        // Every text inside the subset must take the shortcut (it is the point).
        if index < simple.count && simple[index] {
          Issue.record("a simple event was not shortcut: \(texts[index])")
        }
      }
    }
    // Both ways were exercised.
    #expect(shortcuts > 1000)
    #expect(shortcuts < fast.count)
  }

  @Test func qemuStyleEventIsCompactedExactly() throws {
    var decoder = JSONStreamDecoder()
    let stopText = #"{"timestamp": {"seconds": 1700000000, "microseconds": 12}, "event": "STOP"}"#
    let readyText =
      #"{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "BLOCK_JOB_READY", "data": "#
      + #"{"device": "j0", "len": 1048576, "offset": 0, "speed": 0, "type": "mirror", "#
      + #""busy": false, "ready": true}}"#
    decoder.append(Array((stopText + "\r\n" + readyText + "\r\n").utf8))
    guard case .event(let stop)? = decoder.nextQMP(), case .event(let ready)? = decoder.nextQMP()
    else {
      Issue.record("QEMU's events did not take the shortcut")
      return
    }
    #expect(
      stop.compactJSON.map { String(decoding: $0, as: UTF8.self) }
        == #"{"timestamp":{"seconds":1700000000,"microseconds":12},"event":"STOP"}"#)
    #expect(stop.name == "STOP")
    #expect(stop.timestamp == QMPTimestamp(seconds: 1_700_000_000, microseconds: 12))
    #expect(stop.data == nil)
    #expect(ready.data?["len"] == .int(1_048_576))
    #expect(ready.data?["ready"] == .bool(true))
    #expect(
      ready.compactJSON.map { String(decoding: $0, as: UTF8.self) }
        == ready.json.serialized())
    #expect(decoder.nextQMP() == nil)
  }

  @Test(arguments: [
    // Replies and greetings are not events: parsed as usual.
    #"{"return": {}, "id": "a"}"#,
    #"{"QMP": {"version": {}, "capabilities": []}}"#,
    #"{"event": "X", "return": 1}"#,
    // Events that need the parser to print right, or to report an error.
    #"{"event": "A\u0042"}"#,
    #"{"event": "X", "data": {"x": -0}}"#,
    #"{"event": "X", "data": {"x": 1.0}}"#,
    #"{"event": "X", "data": {"x": 1234567890123456789}}"#,
    "{\"event\": \"X\", \"data\": \"\u{7F}\"}",
    "{\"event\": \"caf\u{E9}\"}",
    #"{"event": "X", "data": {"a": 1, "a": 2}}"#,
    #"{"event": 5}"#,
    #"{"event": "X", "timestamp": {"seconds": "1", "microseconds": 2}}"#,
    #"{"event": "X", "timestamp": 7}"#,
    #"{"event": "X", "data": [1,]}"#,
    #"{"event": "X" "data": 1}"#,
  ])
  func textsOutsideTheSubsetGoThroughTheParser(text: String) {
    var fast = JSONStreamDecoder()
    fast.append(Array(text.utf8))
    var plain = JSONStreamDecoder()
    plain.append(Array(text.utf8))
    let got = fast.nextQMP()
    guard case .item(let item)? = got else {
      Issue.record("took the shortcut: \(String(describing: got))")
      return
    }
    #expect(item == plain.next())
  }

  /// The compactor reads strings eight bytes at a time: a byte that ends the string or
  /// leaves the subset must be found at every offset of a word and in the byte-wise tail,
  /// and a plain string of any length must still be copied exactly.
  @Test func everyOffsetOfAStringIsChecked() throws {
    let specials: [[UInt8]] = [
      [0x5C, 0x6E], [0x00], [0x0A], [0x1F], [0x7F], [0xC3, 0xA9], [0x80], [0xFF],
    ]
    var shortcuts = 0
    for length in 0...27 {
      let plain = (0..<length).map { UInt8(ascii: "a") + UInt8($0 % 26) }
      for tail in ["}}", "}, \"more\": [1, 2, 3, 4, 5, 6, 7, 8, 9]}"] {
        let head = Array(#"{"event": "X", "data": {"s": ""#.utf8)
        let text = head + plain + Array(#"""#.utf8) + Array(tail.utf8)
        var decoder = JSONStreamDecoder()
        decoder.append(text)
        var reference = JSONStreamDecoder()
        reference.append(text)
        guard case .event(let event)? = decoder.nextQMP(), case .value(let json)? = reference.next()
        else {
          Issue.record("a plain string of \(length) bytes was not shortcut")
          continue
        }
        shortcuts += 1
        #expect(event.compactJSON == Array(json.serialized().utf8))
        for position in 0...length {
          for special in specials {
            var bytes = plain
            bytes.insert(contentsOf: special, at: position)
            let odd = head + bytes + Array(#"""#.utf8) + Array(tail.utf8)
            var fast = JSONStreamDecoder()
            fast.append(odd)
            var slow = JSONStreamDecoder()
            slow.append(odd)
            let got = fast.nextQMP()
            guard case .item(let item)? = got else {
              Issue.record("took the shortcut with \(special) at \(position) of \(length)")
              continue
            }
            #expect(item == slow.next())
          }
        }
      }
    }
    #expect(shortcuts == 56)
  }

  @Test func timestampInAnotherOrderIsReadLikeTheParserReadsIt() throws {
    let event = try #require(
      Self.shortcut(#"{"event":"X","timestamp":{"microseconds":5,"seconds":-3,"x":[]}}"#),
      "did not take the shortcut")
    #expect(event.timestamp == QMPTimestamp(seconds: -3, microseconds: 5))
  }

  /// The tree of a compact event is parsed once, on first use, whichever task asks first;
  /// every task sees the same tree (ThreadSanitizer checks the cache's locking).
  @Test func aCompactEventIsReadFromManyTasksAtOnce() async throws {
    let text = #"{"event": "X", "data": {"n": 1, "list": [true, null, "s"]}}"#
    let event = try #require(Self.shortcut(text), "did not take the shortcut")
    let expected = try JSONValue(parsing: Array(text.utf8))
    let results = await withTaskGroup(of: Bool.self) { group in
      for index in 0..<16 {
        group.addTask {
          index.isMultiple(of: 2)
            ? event.data == expected["data"] && event.json == expected
            : event.json == expected && event.data == expected["data"]
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(results == Array(repeating: true, count: 16))
  }

  /// Renaming or re-timing a compact event keeps its text (which, like `json` of any event,
  /// stays what was received); only an event made from a tree has no text at all.
  @Test func compactTextSurvivesNameAndTimestampChanges() throws {
    var event = try #require(
      Self.shortcut(#"{"event": "X", "data": {"n": 1}}"#), "did not take the shortcut")
    let text = Array(#"{"event":"X","data":{"n":1}}"#.utf8)
    #expect(event.compactJSON == text)
    #expect(event.withCompactJSON { Array($0) } == text)
    event.name = "Y"
    event.timestamp = QMPTimestamp(seconds: 1, microseconds: 2)
    #expect(event.name == "Y")
    #expect(event.timestamp == QMPTimestamp(seconds: 1, microseconds: 2))
    #expect(event.compactJSON == text)
    #expect(event.data == ["n": 1])
    let made = QMPEvent(name: "Z", data: ["n": 1])
    var called = false
    #expect(made.withCompactJSON { _ in called = true } == nil)
    #expect(!called)
    #expect(made.compactJSON == nil)
  }

  @Test func changingACompactEventDropsItsText() throws {
    var event = try #require(
      Self.shortcut(#"{"event": "X", "data": {"n": 1}}"#), "did not take the shortcut")
    let copy = event
    event.data = ["n": 2]
    #expect(event.compactJSON == nil)
    #expect(event.data == ["n": 2])
    // As for any event, `json` stays what was received until it is set itself.
    #expect(event.json == ["event": "X", "data": ["n": 1]])
    #expect(copy.compactJSON != nil)
    #expect(copy.data == ["n": 1])
    event.json = ["event": "Y"]
    #expect(event.json == ["event": "Y"])
    #expect(event.data == ["n": 2])
    #expect(event != copy)
  }
}
