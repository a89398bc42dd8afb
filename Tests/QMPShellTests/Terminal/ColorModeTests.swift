import Testing

@testable import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

struct ColorModeTests {
  @Test func alwaysAndNeverIgnoreTheEnvironment() {
    let hostile = ["NO_COLOR": "1", "TERM": "dumb"]
    #expect(ColorMode.always.resolve(isTerminal: false, environment: hostile))
    #expect(!ColorMode.never.resolve(isTerminal: true, environment: ["TERM": "xterm"]))
  }

  @Test func autoColoursOnlyATerminal() {
    #expect(ColorMode.auto.resolve(isTerminal: true, environment: ["TERM": "xterm"]))
    #expect(!ColorMode.auto.resolve(isTerminal: false, environment: ["TERM": "xterm"]))
  }

  @Test func autoHonoursNoColorUnlessEmpty() {
    #expect(!ColorMode.auto.resolve(isTerminal: true, environment: ["NO_COLOR": "1"]))
    #expect(ColorMode.auto.resolve(isTerminal: true, environment: ["NO_COLOR": ""]))
  }

  @Test func autoDoesNotColourADumbTerminal() {
    #expect(!ColorMode.auto.resolve(isTerminal: true, environment: ["TERM": "dumb"]))
    #expect(ColorMode.auto.resolve(isTerminal: true, environment: [:]))
  }

  @Test func autoDoesNotColourAPipe() throws {
    var descriptors: [Int32] = [-1, -1]
    try #require(pipe(&descriptors) == 0)
    defer { descriptors.forEach { close($0) } }
    #expect(!ColorMode.auto.resolve(forDescriptor: descriptors[1]))
    #expect(ColorMode.always.resolve(forDescriptor: descriptors[1]))
  }

  @Test func parsesFromItsOptionSpelling() {
    #expect(ColorMode(rawValue: "auto") == .auto)
    #expect(ColorMode(rawValue: "colour") == nil)
    #expect(ColorMode.allCases.map(\.description) == ["auto", "always", "never"])
  }
}
