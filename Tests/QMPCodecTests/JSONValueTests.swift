import QMPCodec
import Testing

@Suite struct JSONValueTests {
  @Test func unsignedIntegersAboveInt64MaxStayUnsigned() {
    #expect(JSONValue.integer(UInt64(5)) == .int(5))
    #expect(JSONValue.integer(UInt64.max) == .uint(UInt64.max))
  }

  @Test func compactSerializationKeepsKeyOrder() {
    let value: JSONValue = ["z": 1, "a": [true, nil, "x\n"], "m": 1.5]
    #expect(value.serialized() == #"{"z":1,"a":[true,null,"x\n"],"m":1.5}"#)
  }

  @Test func prettySerializationIndentsByTwo() {
    let value: JSONValue = ["a": [1], "b": [:]]
    #expect(value.serialized(.pretty) == "{\n  \"a\": [\n    1\n  ],\n  \"b\": {}\n}")
  }
}
