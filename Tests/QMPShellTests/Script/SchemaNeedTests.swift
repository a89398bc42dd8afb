import Testing

@testable import QMPShell

/// Script mode fetches QEMU's schema only for lines that gain from it; a plain lock-step
/// script must never pay for it, and typed arguments must always get it.
@Suite struct SchemaNeedTests {
  @Test(arguments: [
    ("query-status", false),
    ("  query-status  ", false),
    ("{\"execute\": \"query-status\"}", false),
    (".help", false),
    ("x-.help query-status", false),
    ("block_resize device=d0 size=1G", true),
    ("device_add driver=virtio-net-pci", true),
    ("{\"execute\": \"x\", \"arguments\": {\"a\": \"=\"}}", true),
    (".help query-status", true),
    (" \t.help query-status", true),
    ("caf\u{E9}=1", true),
  ])
  func linesThatGainFromTheSchema(line: String, needs: Bool) {
    #expect(ScriptRunner.needsSchema(line) == needs)
  }
}
