import QMPCodec
import Testing

@testable import QMPShell

/// What completion and `.help` get from the schema, and how a malformed schema is reported.
@Suite struct QMPSchemaTests {
  let schema = SchemaTypingTests.schema

  @Test func commandNamesAreSorted() {
    let names = schema.commandNames
    #expect(names.contains("blockdev-add"))
    #expect(names.contains("query-status"))
    #expect(names == names.sorted())
    #expect(schema.hasCommand("stop"))
    #expect(!schema.hasCommand("frobnicate"))
  }

  @Test func argumentNamesIncludeNestedPaths() throws {
    #expect(schema.argumentNames(of: "set_link") == ["name", "up"])
    #expect(schema.argumentNames(of: "stop") == [])
    #expect(schema.argumentNames(of: "frobnicate") == nil)
    let blockdev = try #require(schema.argumentNames(of: "blockdev-add"))
    for path in [
      "driver", "node-name", "cache.direct", "filename", "file", "file.driver", "file.filename",
    ] {
      #expect(blockdev.contains(path), "\(path)")
    }
    #expect(Set(blockdev).count == blockdev.count)
  }

  @Test func enumValuesForCompletion() {
    #expect(schema.enumValues(of: "screendump", argument: "format") == ["ppm", "png"])
    #expect(schema.enumValues(of: "set_link", argument: "up") == ["true", "false"])
    #expect(schema.enumValues(of: "set_link", argument: "name") == nil)
    #expect(schema.enumValues(of: "set_link", argument: "nothing") == nil)
    #expect(schema.enumValues(of: "frobnicate", argument: "x") == nil)
    #expect(schema.enumValues(of: "blockdev-add", argument: "driver")?.contains("qcow2") == true)
  }

  @Test func helpListsArgumentsWithTypes() {
    #expect(schema.help(for: "set_link") == "set_link\n  name: str\n  up: bool")
    #expect(schema.help(for: "stop") == "stop\n  (no arguments)")
    let screendump = schema.help(for: "screendump")
    #expect(screendump.contains("  format: 'ppm' | 'png' (optional)"))
    #expect(screendump.contains("  head: int (optional)"))
    let blockdev = schema.help(for: "blockdev-add")
    #expect(blockdev.contains("  filename: str [when driver=file]"))
    #expect(blockdev.contains("  cache.direct: bool (optional)"))
    #expect(schema.help(for: "device_add").contains("properties of the chosen driver"))
    #expect(schema.help(for: "stpo") == "unknown command stpo; did you mean stop?")
  }

  @Test func helpTextWithoutSchemaSaysSo() {
    #expect(ShellHelp.text(topic: nil, schema: nil) == ShellHelp.syntax)
    #expect(ShellHelp.text(topic: "stop", schema: nil).contains("no schema is known"))
    #expect(ShellHelp.text(topic: "set_link", schema: schema).hasPrefix("set_link\n"))
  }

  @Test(arguments: [
    ("{}", "invalid QMP schema: expected an array of SchemaInfo objects, got an object"),
    (#"[{"name":"x"}]"#, "invalid QMP schema: entry 0 has no name or meta-type"),
    (#"[{"name":"c","meta-type":"command"}]"#, "invalid QMP schema: command c has no arg-type"),
    (#"[{"name":"a","meta-type":"array"}]"#, "invalid QMP schema: array a has no element-type"),
    (
      #"[{"name":"o","meta-type":"object","members":[{"name":"m"}]}]"#,
      "invalid QMP schema: object o has a member without name or type"
    ),
    (
      #"[{"name":"o","meta-type":"object","members":[],"variants":[{"type":"1"}]}]"#,
      "invalid QMP schema: object o has a variant without case or type"
    ),
  ])
  func malformedSchemaIsReported(text: String, message: String) throws {
    #expect(throws: SchemaError(String(message.dropFirst("invalid QMP schema: ".count)))) {
      try QMPSchema(json: JSONValue(parsing: text))
    }
    #expect(
      SchemaError(String(message.dropFirst("invalid QMP schema: ".count))).description == message)
  }

  @Test func unknownMetaTypesAreSkipped() throws {
    let schema = try QMPSchema(
      json: JSONValue(
        parsing:
          #"[{"name":"x","meta-type":"future-kind"},{"name":"c","meta-type":"command","arg-type":"0"}]"#
      ))
    #expect(schema.commandNames == ["c"])
  }
}
