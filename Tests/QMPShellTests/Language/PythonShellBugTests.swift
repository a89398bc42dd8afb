import QMPCodec
import Testing

@testable import QMPShell

/// Inputs that python's qmp-shell (qemu.qmp 0.0.6) gets wrong, with what must be sent.
@Suite struct PythonShellBugTests {
  private func arguments(_ line: String) throws -> JSONObject? {
    var reader = CommandReader()
    guard case .command(let command) = try reader.read(line, number: 1) else {
      Issue.record("\(line) gave no command")
      return nil
    }
    return command.arguments
  }

  /// python sends `"\"hello\""`: the quotes stay in the value.
  @Test func quotesAreRemoved() throws {
    #expect(try arguments(#"c s="hello" t='world'"#) == ["s": "hello", "t": "world"])
  }

  /// python sends the string "null".
  @Test func nullIsNull() throws {
    #expect(try arguments("c m=null") == ["m": .null])
  }

  /// python sends the string "1.5".
  @Test func decimalsAreNumbers() throws {
    #expect(try arguments("c f=1.5 g=-2e-3") == ["f": .double(1.5), "g": .double(-0.002)])
  }

  /// python nests `c` under `a`: `{"a": {"b": 1, "c": 2}}`.
  @Test func dottedKeysDoNotLeakIntoSiblings() throws {
    #expect(try arguments("c a.b=1 c=2") == ["a": ["b": 1], "c": 2])
    #expect(try arguments("c a.b.c=1 d=2 a.e=3") == ["a": ["b": ["c": 1], "e": 3], "d": 2])
  }

  /// python only allows blanks inside `{…}`.
  @Test func quotedStringsMayContainBlanks() throws {
    #expect(try arguments(#"c s="a b" t='c  d'"#) == ["s": "a b", "t": "c  d"])
  }

  /// python's HMP mode always sends cpu-index 0, which fails on a machine without CPU 0.
  @Test func hmpSendsNoCPUIndexBeforeACPUCommand() throws {
    var reader = CommandReader(mode: .hmp)
    guard case .command(let command) = try reader.read("info status", number: 1) else {
      Issue.record("no command")
      return
    }
    #expect(command.arguments == ["command-line": "info status"])
    #expect(reader.cpuIndex == nil)
    #expect(try reader.read("cpu 2", number: 2) == .nothing)
    #expect(reader.cpuIndex == 2)
  }
}
