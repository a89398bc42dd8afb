import Testing

@testable import QMPShell

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

  @Test func parsesFromItsOptionSpelling() {
    #expect(ColorMode(rawValue: "auto") == .auto)
    #expect(ColorMode(rawValue: "colour") == nil)
    #expect(ColorMode.allCases.map(\.description) == ["auto", "always", "never"])
  }
}
