import QMPCodec
import Testing

func decodingError(_ body: () throws -> Void) -> String? {
  do {
    try body()
    return nil
  } catch let error as QMPDecodingError {
    return error.description
  } catch {
    return "unexpected error type: \(error)"
  }
}

@Suite struct QMPMessageTests {
  let greetingText =
    #"{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}"#

  @Test func decodesQEMUsGreeting() throws {
    let json = try JSONValue(parsing: greetingText)
    guard case .greeting(let greeting) = try QMPMessage(json: json) else {
      Issue.record("not a greeting")
      return
    }
    #expect(greeting.qemuVersion == QMPVersion(major: 7, minor: 2, micro: 22))
    #expect(greeting.qemuVersion.description == "7.2.22")
    #expect(greeting.package == "Debian 1:7.2+dfsg-7+deb12u18+b3")
    #expect(greeting.capabilities == ["oob"])
    #expect(greeting.json == json)
    #expect(QMPVersion(major: 7, minor: 2, micro: 22) < QMPVersion(major: 8, minor: 0, micro: 0))
  }

  @Test(arguments: [
    (#"{"QMP": 1}"#, "greeting.QMP must be an object, got an integer"),
    (#"{"QMP": {"capabilities": []}}"#, #"greeting.QMP has no "version" member"#),
    (
      #"{"QMP": {"version": {"qemu": {"major": 7, "minor": 2}, "package": ""}, "capabilities": []}}"#,
      #"greeting.QMP.version.qemu has no "micro" member"#
    ),
    (
      #"{"QMP": {"version": {"qemu": {"major": "7", "minor": 2, "micro": 0}, "package": ""}, "capabilities": []}}"#,
      "greeting.QMP.version.qemu.major must be an integer, got a string"
    ),
    (
      #"{"QMP": {"version": {"qemu": {"major": -1, "minor": 2, "micro": 0}, "package": ""}, "capabilities": []}}"#,
      "greeting.QMP.version.qemu.major must not be negative, got -1"
    ),
    (
      #"{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}}"#,
      #"greeting.QMP.version has no "package" member"#
    ),
    (
      #"{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": ""}, "capabilities": "oob"}}"#,
      "greeting.QMP.capabilities must be an array, got a string"
    ),
    (
      #"{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": ""}, "capabilities": ["oob", 1]}}"#,
      "greeting.QMP.capabilities[1] must be a string, got an integer"
    ),
  ])
  func malformedGreetingsSayWhichField(text: String, message: String) throws {
    let json = try JSONValue(parsing: text)
    #expect(decodingError { _ = try QMPGreeting(json: json) } == message)
  }

  @Test func decodesReturnAndErrorReplies() throws {
    let ok = try QMPMessage(
      json: JSONValue(parsing: #"{"return": {"status": "running"}, "id": "7"}"#))
    guard case .reply(let reply) = ok else {
      Issue.record("not a reply")
      return
    }
    #expect(reply.id == "7")
    #expect(reply.result == .success(["status": "running"]))

    let failed = try QMPReply(
      json: JSONValue(
        parsing:
          #"{"id": 3, "error": {"class": "CommandNotFound", "desc": "The command x has not been found"}}"#
      ))
    #expect(failed.id == 3)
    let error = QMPError(errorClass: "CommandNotFound", desc: "The command x has not been found")
    #expect(failed.result == .failure(error))
    #expect(error.description == "CommandNotFound: The command x has not been found")

    let noID = try QMPReply(json: ["error": ["class": "GenericError", "desc": "JSON parse error"]])
    #expect(noID.id == nil)
  }

  @Test(arguments: [
    (#"{"id": 1}"#, #"message is neither a greeting, a reply nor an event (members: "id")"#),
    (#"[1]"#, "a QMP message must be an object, got an array"),
    (
      #"{"return": 1, "error": {"class": "a", "desc": "b"}}"#,
      #"reply has both "return" and "error""#
    ),
    (#"{"error": "boom"}"#, "reply error must be an object, got a string"),
    (#"{"error": {"class": "GenericError"}}"#, #"reply error has no "desc" member"#),
    (
      #"{"error": {"class": 1, "desc": "d"}}"#, "reply error.class must be a string, got an integer"
    ),
    (#"{"event": 5}"#, "event.event must be a string, got an integer"),
    (
      #"{"event": "STOP", "timestamp": {"seconds": 1}}"#,
      #"event.timestamp has no "microseconds" member"#
    ),
    (#"{"event": "STOP", "timestamp": []}"#, "event.timestamp must be an object, got an array"),
  ])
  func malformedMessagesSayWhatIsWrong(text: String, message: String) throws {
    let json = try JSONValue(parsing: text)
    #expect(decodingError { _ = try QMPMessage(json: json) } == message)
  }

  @Test func replyWithNeitherReturnNorError() {
    #expect(
      decodingError { _ = try QMPReply(json: ["id": 1]) }
        == #"reply has neither "return" nor "error""#)
  }

  @Test func decodesEvents() throws {
    let text =
      #"{"timestamp": {"seconds": 1732480000, "microseconds": 123456}, "event": "STOP"}"#
    guard case .event(let event) = try QMPMessage(json: JSONValue(parsing: text)) else {
      Issue.record("not an event")
      return
    }
    #expect(event.name == "STOP")
    #expect(event.data == nil)
    #expect(event.timestamp == QMPTimestamp(seconds: 1_732_480_000, microseconds: 123_456))
    #expect(
      event.json.serialized()
        == #"{"timestamp":{"seconds":1732480000,"microseconds":123456},"event":"STOP"}"#)

    let withData = try QMPEvent(json: ["event": "DEVICE_DELETED", "data": ["device": "d1"]])
    #expect(withData.data == ["device": "d1"])
    #expect(withData.timestamp == nil)
  }

  @Test func builtEventsAndRepliesLookLikeQEMUs() {
    let event = QMPEvent(name: "RESUME", timestamp: QMPTimestamp(seconds: 1, microseconds: 2))
    #expect(
      event.json.serialized() == #"{"timestamp":{"seconds":1,"microseconds":2},"event":"RESUME"}"#)
    let reply = QMPReply(
      result: .failure(QMPError(errorClass: "GenericError", desc: "no")), id: "a")
    #expect(reply.json.serialized() == #"{"error":{"class":"GenericError","desc":"no"},"id":"a"}"#)
    #expect(QMPReply(result: .success([:])).json.serialized() == #"{"return":{}}"#)
  }

  @Test func commandsSerialiseInQEMUsOrder() {
    let command = QMPCommand("qmp_capabilities", arguments: ["enable": ["oob"]], id: "1")
    #expect(
      command.json.serialized()
        == #"{"execute":"qmp_capabilities","arguments":{"enable":["oob"]},"id":"1"}"#)
    #expect(QMPCommand("stop").json.serialized() == #"{"execute":"stop"}"#)
    #expect(
      QMPCommand("x", id: 1, outOfBand: true).json.serialized() == #"{"exec-oob":"x","id":1}"#)
  }

  @Test func commandsRoundTripThroughJSON() throws {
    let command = QMPCommand("device_del", arguments: ["id": "d"], id: "9", outOfBand: true)
    #expect(try QMPCommand(json: command.json) == command)
    let parsed = try QMPCommand(json: JSONValue(parsing: #"{"id": 1, "execute": "query-status"}"#))
    #expect(parsed == QMPCommand("query-status", id: 1))
  }

  @Test(arguments: [
    (#"{"arguments": {}}"#, #"command has neither "execute" nor "exec-oob""#),
    (#"{"execute": "a", "exec-oob": "a"}"#, #"command has both "execute" and "exec-oob""#),
    (#"{"execute": 1}"#, "command.execute must be a string, got an integer"),
    (#"{"execute": "a", "arguments": [1]}"#, "command.arguments must be an object, got an array"),
    (#"{"execute": "a", "argument": {}}"#, #"command has an unexpected member "argument""#),
    (#""stop""#, "command must be an object, got a string"),
  ])
  func malformedCommands(text: String, message: String) throws {
    let json = try JSONValue(parsing: text)
    #expect(decodingError { _ = try QMPCommand(json: json) } == message)
  }
}
