/// Text waiting to be printed above the prompt, bounded in bytes.
///
/// Producers (network tasks) must never block on a slow terminal, and a flood of events must
/// not make memory grow without limit. So the queue holds at most `limit` bytes; what does not
/// fit is dropped and counted, and the drain reports the count so the user sees that output
/// was lost rather than silently missing it.
struct OutputQueue {
  let limit: Int
  private(set) var bytes: [UInt8] = []
  private(set) var droppedMessages = 0

  init(limit: Int) {
    self.limit = limit
  }

  var isEmpty: Bool { bytes.isEmpty && droppedMessages == 0 }

  /// Queues `text`, ending it with a newline if it has none. Returns false if it was dropped.
  @discardableResult
  mutating func append(_ text: String) -> Bool {
    let utf8 = text.utf8
    let needsNewline = utf8.last != UInt8(ascii: "\n")
    let size = utf8.count + (needsNewline ? 1 : 0)
    guard bytes.count + size <= limit else {
      droppedMessages += 1
      return false
    }
    bytes.append(contentsOf: utf8)
    if needsNewline { bytes.append(UInt8(ascii: "\n")) }
    return true
  }

  /// Takes everything queued, followed by a notice if messages were dropped.
  mutating func drain() -> [UInt8] {
    var result: [UInt8] = []
    swap(&result, &bytes)
    if droppedMessages > 0 {
      let plural = droppedMessages == 1 ? "" : "s"
      result.append(
        contentsOf:
          "[\(droppedMessages) message\(plural) dropped: the terminal was too slow]\n".utf8)
      droppedMessages = 0
    }
    return result
  }
}
