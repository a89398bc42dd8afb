/// Turns a provider's candidates into what readline needs: the text to put in place of the word
/// (the longest common prefix of the matches), the matches to list, and whether the space after
/// a unique match must be suppressed.
struct CompletionMatches: Equatable {
  var substitution: String
  var matches: [String]
  var suppressAppend: Bool

  /// Nil when no candidate starts with `word`.
  init?(word: Substring, candidates: [CompletionCandidate]) {
    var seen = Set<String>()
    var kept: [CompletionCandidate] = []
    for candidate in candidates where candidate.text.hasPrefix(word) {
      if seen.insert(candidate.text).inserted { kept.append(candidate) }
    }
    guard let first = kept.first else { return nil }
    matches = kept.map(\.text)
    if kept.count == 1 {
      substitution = first.text
      suppressAppend = !first.appendsSpace
    } else {
      substitution = Self.commonPrefix(matches)
      suppressAppend = false
    }
  }

  /// The longest common prefix, by whole characters so a multi-byte character is never split.
  static func commonPrefix(_ words: [String]) -> String {
    guard let firstWord = words.first else { return "" }
    var prefix = firstWord[...]
    for word in words.dropFirst() {
      var end = prefix.startIndex
      var other = word.startIndex
      while end < prefix.endIndex, other < word.endIndex, prefix[end] == word[other] {
        end = prefix.index(after: end)
        other = word.index(after: other)
      }
      prefix = prefix[..<end]
      if prefix.isEmpty { break }
    }
    return String(prefix)
  }
}
