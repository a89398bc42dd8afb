import Testing

@testable import QMPShell

struct CompletionMatchesTests {
  @Test func aUniqueCommandIsCompletedWithASpace() throws {
    let result = try #require(
      CompletionMatches(
        word: "query-s",
        candidates: [CompletionCandidate("query-status"), CompletionCandidate("query-name")]))
    #expect(result.substitution == "query-status")
    #expect(result.matches == ["query-status"])
    #expect(!result.suppressAppend)
  }

  @Test func aUniqueArgumentNameGetsNoSpaceAfterTheEqualsSign() throws {
    let result = try #require(
      CompletionMatches(word: "dri", candidates: [CompletionCandidate("driver=")]))
    #expect(result.substitution == "driver=")
    #expect(result.suppressAppend)
  }

  @Test func severalMatchesCompleteToTheirCommonPrefix() throws {
    let candidates = ["virtio-net-pci", "virtio-blk-pci", "e1000"].map { CompletionCandidate($0) }
    let result = try #require(CompletionMatches(word: "v", candidates: candidates))
    #expect(result.substitution == "virtio-")
    #expect(result.matches == ["virtio-net-pci", "virtio-blk-pci"])
    #expect(!result.suppressAppend)
  }

  @Test func noMatchGivesNothing() {
    #expect(CompletionMatches(word: "x", candidates: [CompletionCandidate("query-status")]) == nil)
    #expect(CompletionMatches(word: "", candidates: []) == nil)
  }

  @Test func duplicatesAreListedOnce() throws {
    let result = try #require(
      CompletionMatches(
        word: "q", candidates: [CompletionCandidate("quit"), CompletionCandidate("quit")]))
    #expect(result.matches == ["quit"])
  }

  @Test func theCommonPrefixNeverSplitsACharacter() {
    #expect(CompletionMatches.commonPrefix(["née", "nèe"]) == "n")
    #expect(CompletionMatches.commonPrefix(["e\u{301}x", "e\u{301}y"]) == "e\u{301}")
    #expect(CompletionMatches.commonPrefix(["abc"]) == "abc")
  }

  @Test func candidatesDecideTheirTrailingSpace() {
    #expect(CompletionCandidate("query-status").appendsSpace)
    #expect(!CompletionCandidate("id=").appendsSpace)
    #expect(!CompletionCandidate("file.").appendsSpace)
    #expect(!CompletionCandidate("on", appendsSpace: false).appendsSpace)
  }

  @Test func aRequestSplitsTheLineAroundTheWord() {
    let line = "device_add driver=vir more"
    let wordStart = line.index(line.startIndex, offsetBy: 18)
    let cursor = line.index(wordStart, offsetBy: 3)
    let request = CompletionRequest(line: line, wordStart: wordStart, cursor: cursor)
    #expect(request.word == "vir")
    #expect(request.textBeforeWord == "device_add driver=")
  }
}
