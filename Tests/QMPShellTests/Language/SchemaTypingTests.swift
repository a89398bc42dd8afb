import QMPCodec
import Testing

@testable import QMPShell

/// Shorthand typed by a real QEMU 7.2 schema (trimmed; see ``SchemaFixture``).
@Suite struct SchemaTypingTests {
  static let schema: QMPSchema = {
    do {
      return try QMPSchema(json: JSONValue(parsing: SchemaFixture.json))
    } catch {
      Issue.record("fixture does not load: \(error)")
      return try! QMPSchema(json: [])
    }
  }()

  static let cases: [LanguageCase] = [
    accepts(
      "device_add driver=e1000 id=123",
      #"{"execute":"device_add","arguments":{"driver":"e1000","id":"123"}}"#),
    accepts(
      "device_add driver=virtio-net-pci id=net0 mac=52:54:00:12:34:56 bus=pci.0 addr=3",
      #"{"execute":"device_add","arguments":{"driver":"virtio-net-pci","id":"net0","mac":"52:54:00:12:34:56","bus":"pci.0","addr":3}}"#
    ),
    accepts(
      "device_add driver=e1000 bus=",
      #"{"execute":"device_add","arguments":{"driver":"e1000","bus":""}}"#),
    accepts(
      "set_link name=123 up=on", #"{"execute":"set_link","arguments":{"name":"123","up":true}}"#),
    accepts(
      "set_link name=n up=off", #"{"execute":"set_link","arguments":{"name":"n","up":false}}"#),
    accepts(
      "set_link name=n up=yes", #"{"execute":"set_link","arguments":{"name":"n","up":true}}"#),
    accepts(
      "set_link name=n up=no", #"{"execute":"set_link","arguments":{"name":"n","up":false}}"#),
    accepts(
      "set_link name=true up=true", #"{"execute":"set_link","arguments":{"name":"true","up":true}}"#
    ),
    accepts(
      "set_link name=null up=false",
      #"{"execute":"set_link","arguments":{"name":"null","up":false}}"#),
    rejects(
      "set_link name=n up=maybe",
      "line 1, column 20: up expects a boolean (true/false, on/off, yes/no), got 'maybe'"),
    rejects(
      "set_link name=n up=1",
      "line 1, column 20: up expects a boolean (true/false, on/off, yes/no), got '1'"),
    rejects(
      "set_link nmae=n up=true",
      "line 1, column 10: set_link has no argument nmae; did you mean name?"),
    rejects(
      #"set_link name="n" up="true""#,
      #"line 1, column 22: up expects a boolean (true/false, on/off, yes/no), got the quoted string "true""#
    ),
    rejects(
      "set_link name=[1] up=true", "line 1, column 15: name expects a string, got an array"),
    rejects("set_link name.x=1 up=on", "line 1, column 10: name is str, it has no member x"),
    accepts("balloon value=1073741824", #"{"execute":"balloon","arguments":{"value":1073741824}}"#),
    accepts("balloon value=0x40000000", #"{"execute":"balloon","arguments":{"value":1073741824}}"#),
    accepts("balloon value=007", #"{"execute":"balloon","arguments":{"value":7}}"#),
    accepts("balloon value=-5", #"{"execute":"balloon","arguments":{"value":-5}}"#),
    accepts(
      "balloon value=18446744073709551615",
      #"{"execute":"balloon","arguments":{"value":18446744073709551615}}"#),
    accepts(
      "balloon value=-9223372036854775808",
      #"{"execute":"balloon","arguments":{"value":-9223372036854775808}}"#),
    rejects("balloon value=1.5", "line 1, column 15: value expects an integer, got '1.5'"),
    rejects("balloon value=abc", "line 1, column 15: value expects an integer, got 'abc'"),
    rejects(
      "balloon value=18446744073709551616",
      "line 1, column 15: value expects an integer, got '18446744073709551616'"),
    rejects(
      "balloon value=-9223372036854775809",
      "line 1, column 15: value expects an integer, got '-9223372036854775809'"),
    rejects("balloon value=", "line 1, column 15: value expects an integer, got ''"),
    rejects("balloon value=0x", "line 1, column 15: value expects an integer, got '0x'"),
    accepts(
      "screendump filename=/tmp/x.png format=png head=0",
      #"{"execute":"screendump","arguments":{"filename":"/tmp/x.png","format":"png","head":0}}"#),
    accepts("screendump filename=123", #"{"execute":"screendump","arguments":{"filename":"123"}}"#),
    rejects(
      "screendump filename=x format=pgn",
      "line 1, column 30: format expects one of ppm, png, got 'pgn'; did you mean png?"),
    rejects(
      "screendump filename=x format=jpg",
      "line 1, column 30: format expects one of ppm, png, got 'jpg'"),
    accepts(
      "qom-set path=/machine property=p value=5",
      #"{"execute":"qom-set","arguments":{"path":"/machine","property":"p","value":5}}"#),
    accepts(
      "qom-set path=/machine property=p value=on",
      #"{"execute":"qom-set","arguments":{"path":"/machine","property":"p","value":"on"}}"#),
    accepts(
      "eject id=cd0 force=yes", #"{"execute":"eject","arguments":{"id":"cd0","force":true}}"#),
    rejects("stop x=1", "line 1, column 6: stop has no argument x (it takes no arguments)"),
    rejects("stpo", "line 1, column 1: unknown command stpo; did you mean stop?"),
    rejects("frobnicate", "line 1, column 1: unknown command frobnicate"),
    accepts(
      "blockdev-add driver=file node-name=disk0 filename=/tmp/d.img",
      #"{"execute":"blockdev-add","arguments":{"driver":"file","node-name":"disk0","filename":"/tmp/d.img"}}"#
    ),
    accepts(
      "blockdev-add driver=file node-name=d filename=/x cache.direct=on read-only=off",
      #"{"execute":"blockdev-add","arguments":{"driver":"file","node-name":"d","filename":"/x","cache":{"direct":true},"read-only":false}}"#
    ),
    accepts(
      "blockdev-add driver=qcow2 node-name=q file=disk0",
      #"{"execute":"blockdev-add","arguments":{"driver":"qcow2","node-name":"q","file":"disk0"}}"#),
    accepts(
      "blockdev-add driver=qcow2 node-name=q file.driver=file file.filename=/x.qcow2 file.aio-max-batch=8",
      #"{"execute":"blockdev-add","arguments":{"driver":"qcow2","node-name":"q","file":{"driver":"file","filename":"/x.qcow2","aio-max-batch":8}}}"#
    ),
    accepts(
      "blockdev-add node-name=n driver=null-co size=1024 read-zeroes=on",
      #"{"execute":"blockdev-add","arguments":{"node-name":"n","driver":"null-co","size":1024,"read-zeroes":true}}"#
    ),
    accepts(
      "blockdev-add filename=5", #"{"execute":"blockdev-add","arguments":{"filename":"5"}}"#),
    accepts(
      #"blockdev-add driver=raw file={"driver": "file", "filename": "/x"}"#,
      #"{"execute":"blockdev-add","arguments":{"driver":"raw","file":{"driver":"file","filename":"/x"}}}"#
    ),
    rejects(
      "blockdev-add driver=file filenme=/x",
      "line 1, column 26: blockdev-add has no argument filenme; did you mean filename?"),
    rejects(
      "blockdev-add driver=qcow2 file.driver=file file.filenme=/x",
      "line 1, column 44: blockdev-add has no argument file.filenme; did you mean file.filename?"),
    rejects(
      "blockdev-add driver=file read-only=maybe",
      "line 1, column 36: read-only expects a boolean (true/false, on/off, yes/no), got 'maybe'"),
    rejects(
      "blockdev-add driver=null-co size=big",
      "line 1, column 34: size expects an integer, got 'big'"),
    accepts(
      #"migrate-set-capabilities capabilities=[{"capability": "xbzrle", "state": true}]"#,
      #"{"execute":"migrate-set-capabilities","arguments":{"capabilities":[{"capability":"xbzrle","state":true}]}}"#
    ),
    rejects(
      "migrate-set-capabilities capabilities=xbzrle",
      "line 1, column 39: capabilities expects an array [...], got 'xbzrle'"),
    accepts(
      #"human-monitor-command command-line="info status" cpu-index=0"#,
      #"{"execute":"human-monitor-command","arguments":{"command-line":"info status","cpu-index":0}}"#
    ),
    accepts(
      "set-numa-node type=node nodeid=1 mem=1024 memdev=123",
      #"{"execute":"set-numa-node","arguments":{"type":"node","nodeid":1,"mem":1024,"memdev":"123"}}"#
    ),
    rejects(
      "set-numa-node type=nod nodeid=1",
      "line 1, column 20: type expects one of node, dist, cpu, hmat-lb, hmat-cache, got 'nod'; did you mean node?"
    ),
    accepts(
      "transaction(\nblockdev-snapshot-sync device=ide0 snapshot-file=/s format=123\n)",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"blockdev-snapshot-sync","data":{"device":"ide0","snapshot-file":"/s","format":"123"}}]}}"#
    ),
    accepts(
      "transaction( block-dirty-bitmap-add node=n name=b granularity=65536 persistent=on )",
      #"{"execute":"transaction","arguments":{"actions":[{"type":"block-dirty-bitmap-add","data":{"node":"n","name":"b","granularity":65536,"persistent":true}}]}}"#
    ),
    rejects(
      "transaction( abrot )",
      "line 1, column 14: unknown transaction action abrot; did you mean abort?"),
    rejects(
      "transaction( abort x=1 )",
      "line 1, column 20: transaction action abort has no argument x (it takes no arguments)"),
    rejects(
      "transaction(\nabort\nblock-dirty-bitmap-add node=n nmae=b\n)",
      "line 3, column 31: transaction action block-dirty-bitmap-add has no argument nmae; did you mean name?"
    ),
    rejects(
      "transaction( block-dirty-bitmap-add node=n name=b granularity=big )",
      "line 1, column 63: granularity expects an integer, got 'big'"),
    accepts(
      #"{"execute":"frobnicate","arguments":{"x":1}}"#,
      #"{"execute":"frobnicate","arguments":{"x":1}}"#),
  ]

  @Test(arguments: cases)
  func typedBySchema(_ row: LanguageCase) {
    let result = readAll(row.input, schema: Self.schema)
    #expect(result.output == row.output)
    #expect(result.error == row.error)
  }

  /// Without a schema the same lines are typed by their form (dry run, qemu-ga).
  @Test func withoutSchemaValuesAreTypedByForm() {
    #expect(
      readAll("set_link name=123 up=on").output == [
        #"{"execute":"set_link","arguments":{"name":123,"up":"on"}}"#
      ])
    #expect(readAll("frobnicate x=1").error == nil)
  }

  @Test func schemaCanBeSetLater() throws {
    var reader = CommandReader()
    reader.schema = Self.schema
    let outcome = try reader.read("device_add driver=e1000 id=1", number: 1)
    #expect(
      outcome == .command(QMPCommand("device_add", arguments: ["driver": "e1000", "id": "1"])))
  }
}
