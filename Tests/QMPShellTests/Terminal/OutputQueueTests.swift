import Testing

@testable import QMPShell

struct OutputQueueTests {
  @Test func messagesEndWithExactlyOneAddedNewline() {
    var queue = OutputQueue(limit: 100)
    queue.append("one")
    queue.append("two\n")
    #expect(String(decoding: queue.drain(), as: UTF8.self) == "one\ntwo\n")
    #expect(queue.isEmpty)
  }

  @Test func messagesBeyondTheLimitAreDroppedAndCounted() {
    var queue = OutputQueue(limit: 8)
    let kept = queue.append("1234")
    let tooLong = queue.append("56789")
    let alsoTooLong = queue.append("abcdefgh")
    #expect(kept && !tooLong && !alsoTooLong)
    #expect(queue.droppedMessages == 2)
    let drained = String(decoding: queue.drain(), as: UTF8.self)
    #expect(drained == "1234\n[2 messages dropped: the terminal was too slow]\n")
    #expect(queue.droppedMessages == 0)
    let keptAgain = queue.append("again")
    #expect(keptAgain)
  }

  @Test func aSingleDropIsReportedInTheSingular() {
    var queue = OutputQueue(limit: 1)
    queue.append("too long")
    #expect(!queue.isEmpty)
    let drained = String(decoding: queue.drain(), as: UTF8.self)
    #expect(drained == "[1 message dropped: the terminal was too slow]\n")
  }
}
