import QMPCodec
import Testing

/// A small deterministic generator (SplitMix64), so a failing case can be reproduced from
/// its seed without a property-testing dependency.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Random JSON values biased towards the awkward cases: number borders, escapes, non-ASCII,
/// surrogate-pair characters, empty containers.
struct JSONValueGenerator {
  var random: SeededGenerator

  static let specialIntegers: [Int64] = [
    0, -1, 1, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1,
  ]
  static let specialDoubles: [Double] = [
    0.5, -0.0, 1e300, -1e-300, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
    .leastNormalMagnitude, 0.1, 1e21, 9_007_199_254_740_994, 123.456e-7,
  ]
  static let characters: [Character] = [
    "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "中",
    "😀", "𝄞", "\u{FEFF}", "\u{2028}", "{", "}", "[", ",", ":",
  ]

  mutating func value(depth: Int = 0) -> JSONValue {
    let kind = Int.random(in: 0..<(depth > 4 ? 6 : 8), using: &random)
    switch kind {
    case 0: return .null
    case 1: return .bool(Bool.random(using: &random))
    case 2:
      if Bool.random(using: &random) {
        return .int(Self.specialIntegers.randomElement(using: &random)!)
      }
      return .int(Int64.random(in: Int64.min...Int64.max, using: &random))
    case 3: return .integer(UInt64.random(in: UInt64(Int64.max)...UInt64.max, using: &random))
    case 4:
      if Bool.random(using: &random) {
        return .double(Self.specialDoubles.randomElement(using: &random)!)
      }
      return .double(
        Double(bitPattern: UInt64.random(in: 0..<0x7FF0_0000_0000_0000, using: &random)))
    case 5: return .string(string())
    case 6:
      return .array(
        (0..<Int.random(in: 0..<5, using: &random)).map { _ in value(depth: depth + 1) })
    default:
      var object = JSONObject()
      for _ in 0..<Int.random(in: 0..<5, using: &random) {
        object[string()] = value(depth: depth + 1)
      }
      return .object(object)
    }
  }

  mutating func string() -> String {
    String(
      (0..<Int.random(in: 0..<12, using: &random)).map { _ in
        Self.characters.randomElement(using: &random)!
      })
  }
}

@Suite struct RoundTripTests {
  @Test(arguments: [1, 2, 3, 42, 1234] as [UInt64])
  func parseOfSerializeIsIdentity(seed: UInt64) throws {
    var generator = JSONValueGenerator(random: SeededGenerator(seed: seed))
    for index in 0..<300 {
      let value = generator.value()
      for style in [JSONStyle.compact, .pretty] {
        let text = value.serialized(style)
        let parsed = try JSONValue(parsing: text)
        #expect(parsed == value, "seed \(seed), case \(index), \(style): \(text)")
      }
    }
  }

  @Test func compactOutputIsOneLineAndFramesInAStream() throws {
    var generator = JSONValueGenerator(random: SeededGenerator(seed: 7))
    var values: [JSONValue] = []
    var bytes: [UInt8] = []
    for _ in 0..<200 {
      let value: JSONValue = .object(["v": generator.value()])
      values.append(value)
      let text = value.serialized()
      #expect(!text.contains("\n"))
      value.write(to: &bytes)
      bytes.append(contentsOf: [0x0D, 0x0A])
    }
    var decoder = JSONStreamDecoder()
    decoder.append(bytes)
    var decoded: [JSONValue] = []
    while let item = decoder.next() {
      guard case .value(let value) = item else {
        Issue.record("unexpected \(item)")
        return
      }
      decoded.append(value)
    }
    #expect(decoded == values)
  }
}
