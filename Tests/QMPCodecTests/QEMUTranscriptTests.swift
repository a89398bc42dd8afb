import QMPCodec
import Testing

/// Real output of QEMU 7.2 with `-mon chardev=m,mode=control,pretty=on`, captured with socat
/// (the commands sent: qmp_capabilities, query-status with id "a", stop, query-version, and an
/// unknown command with an object id). QEMU ends every line, inside objects too, with `\r\n`.
@Suite struct QEMUTranscriptTests {
  static let transcript: [UInt8] = Array(
    """
    {
        "QMP": {
            "version": {
                "qemu": {
                    "micro": 22,
                    "minor": 2,
                    "major": 7
                },
                "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"
            },
            "capabilities": [
                "oob"
            ]
        }
    }
    {
        "return": {
        }
    }
    {
        "return": {
            "status": "running",
            "singlestep": false,
            "running": true
        },
        "id": "a"
    }
    {
        "timestamp": {
            "seconds": 1795565088,
            "microseconds": 982871
        },
        "event": "STOP"
    }
    {
        "return": {
        }
    }
    {
        "return": {
            "qemu": {
                "micro": 22,
                "minor": 2,
                "major": 7
            },
            "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"
        }
    }
    {
        "id": {
            "x": [
                1,
                2
            ]
        },
        "error": {
            "class": "CommandNotFound",
            "desc": "The command nope has not been found"
        }
    }

    """.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)

  static func messages(_ items: [JSONStreamItem]) throws -> [QMPMessage] {
    try items.map { item in
      guard case .value(let value) = item else { throw QMPDecodingError("not a value: \(item)") }
      return try QMPMessage(json: value)
    }
  }

  @Test func prettyOutputFramesIntoTheSevenMessagesQEMUSent() throws {
    // Byte for byte what was captured, `\r\n` line ends included.
    #expect(Self.transcript.count == 1002)
    let messages = try Self.messages(decodeAll([Self.transcript]))
    #expect(messages.count == 7)
    guard messages.count == 7 else { return }
    guard case .greeting(let greeting) = messages[0] else {
      Issue.record("first is not the greeting")
      return
    }
    #expect(greeting.qemuVersion == QMPVersion(major: 7, minor: 2, micro: 22))
    #expect(greeting.capabilities == ["oob"])
    guard case .reply(let status) = messages[2], case .event(let stop) = messages[3],
      case .reply(let failure) = messages[6]
    else {
      Issue.record("unexpected kinds: \(messages)")
      return
    }
    #expect(status.id == "a")
    #expect(status.result == .success(["status": "running", "singlestep": false, "running": true]))
    #expect(stop.name == "STOP")
    #expect(stop.timestamp?.microseconds == 982_871)
    #expect(failure.id == ["x": [1, 2]])
    #expect(
      failure.result
        == .failure(
          QMPError(errorClass: "CommandNotFound", desc: "The command nope has not been found")))
    // Key order is QEMU's, not sorted: "id" before "error" here.
    #expect(failure.json.objectValue.map { Array($0.keys) } == ["id", "error"])
  }

  @Test func prettyOutputSplitAnywhereGivesTheSameMessages() {
    let whole = decodeAll([Self.transcript])
    for cut in stride(from: 0, through: Self.transcript.count, by: 7) {
      let chunks = [Array(Self.transcript[..<cut]), Array(Self.transcript[cut...])]
      #expect(decodeAll(chunks) == whole, "cut at \(cut)")
    }
  }
}
