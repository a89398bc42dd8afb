import QMPCodec
import QMPTestSupport
import Testing

@testable import QMPShell

/// The whole schema of the installed QEMU, not the trimmed fixture: every command must load,
/// have help and completions, and the usual commands must be typed as users expect.
@Suite struct LiveSchemaTests {
  static func fetchSchema() async throws -> JSONValue {
    try await withTimeout(.seconds(60), "query-qmp-schema from a real QEMU") {
      try await withQEMU(.systemEmulator()) { qemu in
        let peer = try await RawPeerConnection.connect(to: qemu.address)
        _ = try await peer.nextValue()  // greeting
        try await peer.send(#"{"execute":"qmp_capabilities"}"#)
        _ = try await peer.nextValue()
        try await peer.send(#"{"execute":"query-qmp-schema","id":"s"}"#)
        let reply = try await peer.nextValue()
        await peer.close()
        return try #require(reply["return"])
      }
    }
  }

  @Test func everyCommandOfTheRealSchemaHasHelpAndArguments() async throws {
    let schema = try QMPSchema(json: try await Self.fetchSchema())
    #expect(schema.commandNames.count > 150)
    for name in schema.commandNames {
      #expect(schema.help(for: name).hasPrefix(name))
      #expect(schema.argumentNames(of: name) != nil, "\(name)")
      _ = schema.completions(for: CompletionContext(before: name + " ", prompt: .command))
    }
    #expect(schema.transactionActionTypes.contains("blockdev-snapshot-sync"))

    let rows: [(String, String)] = [
      (
        "device_add driver=e1000 id=123",
        #"{"execute":"device_add","arguments":{"driver":"e1000","id":"123"}}"#
      ),
      ("set_link name=n up=on", #"{"execute":"set_link","arguments":{"name":"n","up":true}}"#),
      (
        "blockdev-add driver=qcow2 node-name=q file.driver=file file.filename=/x",
        #"{"execute":"blockdev-add","arguments":{"driver":"qcow2","node-name":"q","file":{"driver":"file","filename":"/x"}}}"#
      ),
      (
        "migrate-set-parameters downtime-limit=300 tls-creds=",
        #"{"execute":"migrate-set-parameters","arguments":{"downtime-limit":300,"tls-creds":""}}"#
      ),
      (
        "transaction( block-dirty-bitmap-add node=n name=b persistent=on )",
        #"{"execute":"transaction","arguments":{"actions":[{"type":"block-dirty-bitmap-add","data":{"node":"n","name":"b","persistent":true}}]}}"#
      ),
    ]
    for (input, output) in rows {
      #expect(readAll(input, schema: schema) == ([output], nil))
    }
    #expect(
      readAll("qurey-status", schema: schema).error
        == "line 1, column 1: unknown command qurey-status; did you mean query-status?")
    // Two candidates one edit away: the longer shared prefix wins, whatever the order.
    #expect(
      readAll("query-statsu", schema: schema).error
        == "line 1, column 1: unknown command query-statsu; did you mean query-stats?")
  }
}
