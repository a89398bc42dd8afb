import QMPCodec
import Testing

@Suite struct JSONSerializerTests {
  @Test func escapesWhatJSONRequiresAndKeepsUnicode() {
    let value: JSONValue = .string("q\"b\\n\nr\rt\tb\u{8}f\u{c}c\u{1}d\u{7F}é中😀/")
    #expect(value.serialized() == #""q\"b\\n\nr\rt\tb\bf\fc\u0001d\u007fé中😀/""#)
  }

  @Test func integersAtTheBordersAreWrittenExactly() {
    let value: JSONValue = [
      .int(Int64.min), .int(Int64.max), .uint(UInt64.max), 0, -7, 10, 1_000_000,
    ]
    #expect(
      value.serialized()
        == "[-9223372036854775808,9223372036854775807,18446744073709551615,0,-7,10,1000000]")
  }

  @Test func doublesStayDoublesAndNonFiniteBecomesNull() {
    let value: JSONValue = [5.0, -0.0, 1e300, 0.1, .double(.infinity), .double(.nan)]
    #expect(value.serialized() == "[5.0,-0.0,1e+300,0.1,null,null]")
  }

  @Test func prettyNestsByTwoSpacesAndKeepsEmptyContainersShort() {
    let value: JSONValue = ["a": [1, ["b": nil]], "c": [], "d": [:]]
    #expect(
      value.serialized(.pretty) == """
        {
          "a": [
            1,
            {
              "b": null
            }
          ],
          "c": [],
          "d": {}
        }
        """)
  }

  @Test func deepPrettyIndentationIsExact() throws {
    var value: JSONValue = 1
    for _ in 0..<40 { value = [value] }
    let text = value.serialized(.pretty)
    #expect(text.contains("\n" + String(repeating: " ", count: 80) + "1\n"))
    #expect(try JSONValue(parsing: text) == value)
  }

  @Test func colorsWrapEachKindOfToken() {
    let colors = JSONColors(key: "K", string: "S", number: "N", literal: "L")
    let value: JSONValue = ["k": ["s", 1, .uint(UInt64.max), 2.5, true, nil]]
    let esc = "\u{1B}["
    let reset = "\u{1B}[0m"
    #expect(
      value.serialized(colors: colors)
        == "{\(esc)Km\"k\"\(reset):[\(esc)Sm\"s\"\(reset),\(esc)Nm1\(reset),"
        + "\(esc)Nm18446744073709551615\(reset),\(esc)Nm2.5\(reset),\(esc)Lmtrue\(reset),"
        + "\(esc)Lmnull\(reset)]}")
  }

  @Test func defaultColorsLeavePunctuationPlain() {
    let text = (["a": [1]] as JSONValue).serialized(.pretty, colors: .default)
    #expect(text.contains("\u{1B}[1;34m\"a\"\u{1B}[0m: ["))
    #expect(text.contains("\u{1B}[36m1\u{1B}[0m"))
    // Without colours there is no escape byte at all.
    #expect(!(["a": [1]] as JSONValue).serialized(.pretty).contains("\u{1B}"))
  }

  @Test func writeAppendsToExistingBytes() {
    var bytes = Array("x=".utf8)
    (["a": 1] as JSONValue).write(to: &bytes)
    #expect(String(decoding: bytes, as: UTF8.self) == #"x={"a":1}"#)
  }
}

@Suite struct JSONDeepValueTests {
  @Test func deepestAcceptedValueSerialisesOnATaskStack() async throws {
    let text = String(repeating: "[", count: 1024) + String(repeating: "]", count: 1024)
    let compact = try await Task.detached {
      try JSONValue(parsing: text).serialized()
    }.value
    #expect(compact == text)
  }
}
