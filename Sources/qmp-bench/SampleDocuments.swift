import QMPCodec

/// Inputs shaped like real QMP traffic, generated deterministically.
enum SampleDocuments {
  /// An array of objects like `query-qmp-schema` entries (names, meta-types, member lists,
  /// features), with some numbers of every kind, as one compact document of at least
  /// `targetBytes`.
  static func schemaLike(targetBytes: Int) -> [UInt8] {
    var entries: [JSONValue] = []
    var size = 0
    var index = 0
    while size < targetBytes {
      let entry: JSONValue = [
        "name": .string("x-query-block-\(index)"),
        "meta-type": index % 3 == 0 ? "command" : "object",
        "arg-type": .string("\(index % 97)"),
        "ret-type": .string("[\(index % 13)]"),
        "allow-oob": .bool(index % 5 == 0),
        "members": .array(
          (0..<4).map { member in
            [
              "name": .string("member-\(member)-é"), "type": member == 2 ? "int" : "str",
              "default": member == 3 ? nil : .int(Int64(index * 31 + member)),
            ]
          }),
        "features": index % 4 == 0 ? ["deprecated", "unstable"] : [],
        "limits": [
          "max": .uint(UInt64.max - UInt64(index)), "min": .int(Int64.min + Int64(index)),
          "ratio": .double(Double(index) / 7.0), "desc": .string("line \(index)\n\t\"quoted\""),
        ],
      ]
      size += entry.serialized().utf8.count + 1
      entries.append(entry)
      index += 1
    }
    var bytes: [UInt8] = []
    JSONValue.array(entries).write(to: &bytes)
    return bytes
  }

  /// `count` small server messages (events and replies) as QEMU writes them, each ending
  /// `\r\n`.
  static func messageStream(count: Int) -> (bytes: [UInt8], lineEnds: Int) {
    var bytes: [UInt8] = []
    for index in 0..<count {
      let message: JSONValue
      if index % 2 == 0 {
        message = [
          "timestamp": ["seconds": .int(1_732_480_000 + Int64(index)), "microseconds": 123_456],
          "event": "BLOCK_JOB_PENDING", "data": ["type": "backup", "id": .string("job\(index)")],
        ]
      } else {
        message = [
          "return": ["status": "running", "singlestep": false, "running": true],
          "id": .string("\(index)"),
        ]
      }
      message.write(to: &bytes)
      bytes.append(contentsOf: [0x0D, 0x0A])
    }
    return (bytes, count)
  }
}
