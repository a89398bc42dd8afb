import Testing

@testable import QMPShell

@Suite struct SuggestionTests {
  @Test func editDistanceCountsTranspositionsAsOne() {
    #expect(Suggestion.editDistance(Array("stop".utf8), Array("stpo".utf8)) == 1)
    #expect(Suggestion.editDistance(Array("".utf8), Array("abc".utf8)) == 3)
    #expect(Suggestion.editDistance(Array("kitten".utf8), Array("sitting".utf8)) == 3)
  }

  @Test func closestIsDeterministicAndBounded() {
    #expect(Suggestion.closest(to: "stpo", among: ["cont", "stop", "quit"]) == "stop")
    #expect(Suggestion.closest(to: "xyz", among: ["cont", "stop"]) == nil)
    // Equal distance: the longer shared prefix, then the first name alphabetically.
    #expect(Suggestion.closest(to: "ab", among: ["ac", "aa"]) == "aa")
    #expect(Suggestion.closest(to: "ab", among: ["aa", "ac"]) == "aa")
    // A prefix of a longer name is a plausible abbreviation.
    #expect(
      Suggestion.closest(
        to: "query-c", among: ["query-status", "query-commands", "query-cpus-fast"])
        == "query-commands")
  }
}
