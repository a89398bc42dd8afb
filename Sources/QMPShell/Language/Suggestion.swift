/// "Did you mean …?": the candidate closest to a mistyped name by edit distance.
enum Suggestion {
  /// The closest candidate, if it is close enough to be a plausible typo: at most a third of
  /// the name's length in edits (at least 1, at most 3), or the name is a prefix of it.
  static func closest(to name: String, among candidates: some Sequence<String>) -> String? {
    let target = Array(name.utf8)
    let limit = min(3, max(1, target.count / 3))
    var best: (name: String, distance: Int)?
    var prefixMatch: String?
    for candidate in candidates {
      let bytes = Array(candidate.utf8)
      if bytes.count > target.count, bytes.starts(with: target), !target.isEmpty,
        prefixMatch.map({ candidate < $0 }) ?? true
      {
        prefixMatch = candidate
      }
      guard abs(bytes.count - target.count) <= limit else { continue }
      let distance = editDistance(target, bytes)
      guard distance <= limit else { continue }
      // Ties go to the longer shared prefix, then to the alphabetically first name, so the
      // suggestion does not depend on the order of a dictionary.
      if let current = best {
        if distance > current.distance { continue }
        if distance == current.distance {
          let old = commonPrefixLength(target, Array(current.name.utf8))
          let new = commonPrefixLength(target, bytes)
          if new < old || (new == old && candidate > current.name) { continue }
        }
      }
      best = (candidate, distance)
    }
    return best?.name ?? prefixMatch
  }

  static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
    var count = 0
    while count < a.count, count < b.count, a[count] == b[count] { count += 1 }
    return count
  }

  /// Levenshtein distance where swapping two neighbours also counts as one edit.
  static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous2 = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        var value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          value = min(value, previous2[j - 2] + 1)
        }
        current[j] = value
      }
      swap(&previous2, &previous)
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
