import QMPCodec
import Testing

/// Parses `text`, expecting failure, and returns the error.
func parseError(_ text: String, maximumDepth: Int = 1024) -> JSONParseError? {
  do {
    _ = try JSONValue(parsing: text, maximumDepth: maximumDepth)
    return nil
  } catch let error as JSONParseError {
    return error
  } catch {
    return nil
  }
}

func parseErrorBytes(_ bytes: [UInt8]) -> JSONParseError? {
  do {
    _ = try JSONValue(parsing: bytes)
    return nil
  } catch let error as JSONParseError {
    return error
  } catch {
    return nil
  }
}

@Suite struct JSONParserTests {
  @Test func parsesEveryKindOfValue() throws {
    let value = try JSONValue(
      parsing:
        #" {"n": null, "t": true, "f": false, "i": -12, "d": 2.5, "s": "x", "a": [1, []], "o": {}} "#
    )
    let expected: JSONValue = [
      "n": nil, "t": true, "f": false, "i": -12, "d": 2.5, "s": "x", "a": [1, []], "o": [:],
    ]
    #expect(value == expected)
  }

  @Test func keepsKeyOrderOfTheInput() throws {
    let value = try JSONValue(parsing: #"{"z": 1, "a": 2, "m": 3}"#)
    #expect(value.objectValue.map { Array($0.keys) } == ["z", "a", "m"])
  }

  @Test func parsesFromAnyByteCollection() throws {
    let bytes: [UInt8] = Array(#"[1,"é"]"#.utf8)
    #expect(try JSONValue(parsing: bytes) == [1, "é"])
    #expect(try JSONValue(parsing: bytes[...]) == [1, "é"])
    // Not contiguous: exercises the copying path.
    #expect(try JSONValue(parsing: bytes.reversed().reversed()) == [1, "é"])
  }

  // MARK: Numbers

  @Test func integersAtTheInt64Borders() throws {
    #expect(try JSONValue(parsing: "9223372036854775807") == .int(Int64.max))
    #expect(try JSONValue(parsing: "-9223372036854775808") == .int(Int64.min))
    #expect(try JSONValue(parsing: "9223372036854775808") == .uint(UInt64(Int64.max) + 1))
  }

  @Test func integersAtTheUInt64Border() throws {
    #expect(try JSONValue(parsing: "18446744073709551615") == .uint(UInt64.max))
    // One past UInt64.max, or below Int64.min, can only be a double.
    #expect(try JSONValue(parsing: "18446744073709551616") == .double(18446744073709551616.0))
    #expect(try JSONValue(parsing: "-9223372036854775809") == .double(-9223372036854775809.0))
    #expect(try JSONValue(parsing: "1" + String(repeating: "0", count: 30)) == .double(1e30))
  }

  @Test func minusZeroIsIntegerZeroButMinusZeroPointZeroIsANegativeDouble() throws {
    #expect(try JSONValue(parsing: "-0") == .int(0))
    let value = try JSONValue(parsing: "-0.0")
    guard case .double(let double) = value else {
      Issue.record("expected a double, got \(value)")
      return
    }
    #expect(double == 0 && double.sign == .minus)
  }

  @Test func fractionsAndExponentsAreDoubles() throws {
    #expect(try JSONValue(parsing: "1.5") == .double(1.5))
    #expect(try JSONValue(parsing: "1e3") == .double(1000))
    #expect(try JSONValue(parsing: "1E+3") == .double(1000))
    #expect(try JSONValue(parsing: "-25e-1") == .double(-2.5))
    #expect(try JSONValue(parsing: "0.1") == .double(0.1))
    #expect(try JSONValue(parsing: "1.7976931348623157e308") == .double(.greatestFiniteMagnitude))
    #expect(try JSONValue(parsing: "4.9e-324") == .double(.leastNonzeroMagnitude))
    #expect(try JSONValue(parsing: "1e-400") == .double(0))
  }

  @Test func doublesParseToTheNearestValue() throws {
    // Classic hard cases for hand-written float parsers.
    #expect(
      try JSONValue(parsing: "2.2250738585072011e-308")
        == .double(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)))
    #expect(try JSONValue(parsing: "9007199254740993") == .int(9_007_199_254_740_993))
    #expect(try JSONValue(parsing: "9007199254740993.0") == .double(9_007_199_254_740_992))
  }

  @Test func numbersTooLargeForADoubleAreRejected() {
    #expect(parseError("1e400") == JSONParseError(.numberOutOfRange, at: 0))
    #expect(parseError("[-1e309]") == JSONParseError(.numberOutOfRange, at: 1))
  }

  @Test func malformedNumbersNameTheByte() {
    #expect(parseError("01")?.offset == 1)
    #expect(parseError("-")?.reason == .unexpectedEnd)
    #expect(parseError("-a")?.offset == 1)
    #expect(parseError("1.")?.reason == .unexpectedEnd)
    #expect(parseError("1.e5")?.offset == 2)
    #expect(parseError("1e")?.reason == .unexpectedEnd)
    #expect(parseError("1e+x")?.offset == 3)
    #expect(parseError("+1")?.offset == 0)
    #expect(parseError(".5")?.offset == 0)
    #expect(
      parseError("[1x]")?.reason == .unexpectedByte(UInt8(ascii: "x"), expected: "',' or ']'"))
  }

  // MARK: Strings

  @Test func decodesEscapes() throws {
    #expect(
      try JSONValue(parsing: #""a\"b\\c\/d\be\ff\ng\rh\ti""#)
        == .string("a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"))
    #expect(try JSONValue(parsing: #""\u00e9\u4E2D\u0000""#) == .string("é中\u{0}"))
  }

  @Test func decodesSurrogatePairs() throws {
    #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
    #expect(try JSONValue(parsing: #""x\uD834\uDD1Ey""#) == .string("x𝄞y"))
  }

  @Test func rejectsLoneSurrogates() {
    #expect(parseError(#""\ud83d""#) == JSONParseError(.loneSurrogate(0xD83D), at: 1))
    #expect(parseError(#""ab\ude00""#) == JSONParseError(.loneSurrogate(0xDE00), at: 3))
    #expect(parseError(#""\ud83dx""#)?.reason == .loneSurrogate(0xD83D))
    #expect(parseError(#""\ud83d\u0041""#)?.reason == .loneSurrogate(0xD83D))
  }

  @Test func rejectsBadEscapes() {
    #expect(parseError(#""\x""#) == JSONParseError(.invalidEscape(UInt8(ascii: "x")), at: 1))
    #expect(parseError(#""\u12G4""#) == JSONParseError(.invalidUnicodeEscape, at: 5))
    #expect(parseError(#""\u12"#)?.reason == .unexpectedEnd)
    #expect(parseError(#""\"#)?.reason == .unexpectedEnd)
  }

  @Test func rejectsRawControlCharactersInStrings() {
    #expect(parseError("\"a\nb\"") == JSONParseError(.controlCharacterInString(0x0A), at: 2))
    #expect(parseError("\"a\\n\tb\"") == JSONParseError(.controlCharacterInString(0x09), at: 4))
    #expect(
      parseErrorBytes([0x22, 0x00, 0x22]) == JSONParseError(.controlCharacterInString(0), at: 1))
  }

  @Test func keepsValidMultiByteUTF8() throws {
    let text = "\"é中😀\""
    #expect(try JSONValue(parsing: Array(text.utf8)) == .string("é中😀"))
    #expect(try JSONValue(parsing: "\"\\n é\"") == .string("\n é"))
  }

  @Test(
    arguments: [
      ([0x22, 0x80, 0x22], 1),  // continuation byte without a lead
      ([0x22, 0xC0, 0x80, 0x22], 1),  // overlong NUL
      ([0x22, 0xC3, 0x28, 0x22], 2),  // lead without continuation
      ([0x22, 0xE0, 0x80, 0x80, 0x22], 2),  // overlong three-byte form
      ([0x22, 0xED, 0xA0, 0x80, 0x22], 2),  // UTF-16 surrogate encoded in UTF-8
      ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 2),  // above U+10FFFF
      ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),  // invalid lead
      ([0x22, 0xFF, 0x22], 1),
      ([0x22, 0x5C, 0x6E, 0xC3, 0x28, 0x22], 4),  // after an escape
    ] as [([UInt8], Int)])
  func rejectsInvalidUTF8(bytes: [UInt8], offset: Int) {
    #expect(parseErrorBytes(bytes) == JSONParseError(.invalidUTF8, at: offset))
  }

  @Test func utf8CutByTheEndOfInputIsUnexpectedEnd() {
    #expect(parseErrorBytes([0x22, 0xE4, 0xB8])?.reason == .unexpectedEnd)
  }

  // MARK: Structure

  @Test func rejectsDuplicateKeysAtTheSecondKey() {
    let error = parseError(#"{"id": 1, "x": {}, "id": 2}"#)
    #expect(error == JSONParseError(.duplicateKey("id"), at: 19))
    #expect(error?.description == #"duplicate key "id" at byte 19"#)
  }

  @Test func duplicateKeysAreFoundInBigObjectsToo() throws {
    // Past 16 keys the parser switches from comparing keys to a hash set.
    let keys = (0..<40).map { "\"k\($0)\": \($0)" }
    let value = try JSONValue(parsing: "{" + keys.joined(separator: ", ") + "}")
    #expect(value.objectValue?.count == 40)
    #expect(value.objectValue?.keys.last == "k39")
    #expect(value["k17"] == 17)
    for duplicateAt in [1, 15, 16, 17, 39] {
      var members = keys
      members.insert(#""k0": 0"#, at: duplicateAt)
      let prefix = "{" + members[..<duplicateAt].joined(separator: ", ") + ", "
      let error = parseError("{" + members.joined(separator: ", ") + "}")
      #expect(
        error == JSONParseError(.duplicateKey("k0"), at: prefix.utf8.count), "at \(duplicateAt)")
    }
    // Nested big objects each track their own keys.
    let nested =
      "{" + keys.joined(separator: ", ") + #", "inner": {"# + keys.joined(separator: ", ") + "}}"
    #expect(try JSONValue(parsing: nested)["inner"]?["k39"] == 39)
  }

  @Test func sameKeyInDifferentObjectsIsFine() throws {
    #expect(try JSONValue(parsing: #"[{"a":1},{"a":2}]"#) == [["a": 1], ["a": 2]])
  }

  @Test func nestingUpToTheLimitIsAcceptedAndPastItRejected() throws {
    let atLimit = String(repeating: "[", count: 1024) + String(repeating: "]", count: 1024)
    #expect(throws: Never.self) { try JSONValue(parsing: atLimit) }
    let past = String(repeating: "[", count: 1025) + String(repeating: "]", count: 1025)
    #expect(parseError(past) == JSONParseError(.tooDeep(limit: 1024), at: 1024))
    let objects =
      String(repeating: #"{"a":"#, count: 1025) + "1" + String(repeating: "}", count: 1025)
    #expect(parseError(objects)?.reason == .tooDeep(limit: 1024))
    #expect(parseError("[[[1]]]", maximumDepth: 2)?.reason == .tooDeep(limit: 2))
  }

  @Test func deepNestingNeedsNoDeepStack() async throws {
    // On a small task stack: the parser must not recurse.
    let text = String(repeating: #"{"k":["#, count: 512) + String(repeating: "]}", count: 512)
    let value = try await Task.detached { try JSONValue(parsing: text) }.value
    #expect(value["k"] != nil)
  }

  @Test func reportsStructuralErrors() {
    #expect(parseError("") == JSONParseError(.unexpectedEnd, at: 0))
    #expect(parseError("   ") == JSONParseError(.unexpectedEnd, at: 3))
    #expect(
      parseError("[1,]")?.reason == .unexpectedByte(UInt8(ascii: "]"), expected: "a JSON value"))
    #expect(
      parseError(#"{"a" 1}"#)
        == JSONParseError(.unexpectedByte(UInt8(ascii: "1"), expected: "':'"), at: 5))
    #expect(
      parseError(#"{a:1}"#)?.reason == .unexpectedByte(UInt8(ascii: "a"), expected: "a string key"))
    #expect(
      parseError(#"{"a":1,}"#)?.reason
        == .unexpectedByte(UInt8(ascii: "}"), expected: "a string key"))
    #expect(
      parseError(#"{"a":1]"#)?.reason == .unexpectedByte(UInt8(ascii: "]"), expected: "',' or '}'"))
    #expect(parseError(#"{"a":1"#) == JSONParseError(.unexpectedEnd, at: 6))
    #expect(parseError("[") == JSONParseError(.unexpectedEnd, at: 1))
    #expect(parseError("tru") == JSONParseError(.unexpectedEnd, at: 3))
    #expect(parseError("nul1")?.offset == 3)
    #expect(parseError("1 2") == JSONParseError(.trailingData, at: 2))
    #expect(parseError("{}x") == JSONParseError(.trailingData, at: 2))
    #expect(parseError("'a'")?.offset == 0)
  }

  @Test func errorDescriptionsSayWhatAndWhere() {
    #expect(
      parseError("[1 x")?.description == "unexpected 'x' (0x78), expected ',' or ']' at byte 3")
    #expect(
      parseError("\"\u{1}\"")?.description
        == "unescaped control character byte 0x01 in string at byte 1")
    #expect(parseError("[")?.description == "unexpected end of input at byte 1")
    #expect(parseError("[[1]]", maximumDepth: 1)?.description == "nesting deeper than 1 at byte 1")
    #expect(parseError(#""\ud800""#)?.description == #"lone surrogate \uD800 at byte 1"#)
    #expect(parseError(#""\q""#)?.description == #"invalid escape \q at byte 1"#)
    #expect(parseError("1e999")?.description == "number out of range at byte 0")
    #expect(parseError("1 1")?.description == "unexpected data after the value at byte 2")
    #expect(parseErrorBytes([0x22, 0xFF])?.description == "invalid UTF-8 at byte 1")
    #expect(parseError(#""\u0""#)?.description == #"\u not followed by four hex digits at byte 4"#)
  }
}

@Suite struct JSONParserKeyEquivalenceTests {
  @Test func canonicallyEquivalentKeysAreDuplicates() {
    // "é" precomposed and as e + combining acute: one key for JSONObject, so one for the parser.
    let text = "{\"\u{E9}\": 1, \"e\u{301}\": 2}"
    #expect(parseError(text)?.reason == .duplicateKey("\u{E9}"))
  }
}
