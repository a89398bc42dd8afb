import Glibc
import QMPShell
import Testing

/// `LineReader.mayBlock` decides whether script mode reads its next line on the event loop or
/// leaves the loop first: it must say "may block" exactly when no line can be had at once.
@Suite struct LineReaderTests {
  @Test func mayBlockFollowsWhatThePipeHolds() throws {
    var descriptors: [Int32] = [-1, -1]
    // Close-on-exec: children that other tests spawn meanwhile must not keep the ends open.
    try #require(pipe(&descriptors) == 0)
    for end in descriptors { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
    defer { close(readEnd) }
    defer { close(writeEnd) }
    var reader = LineReader(fileDescriptor: readEnd, sourceName: "test pipe")

    #expect(reader.mayBlock, "an empty pipe with a live writer")

    let text = Array("first\nsecond".utf8)
    try #require(write(writeEnd, text, text.count) == text.count)
    try #require(!reader.mayBlock, "bytes are waiting in the pipe")
    #expect(try reader.nextLine() == "first")

    // "second" is buffered but has no newline yet, and the pipe is empty again.
    #expect(reader.mayBlock)
  }

  @Test func aRegularFileNeverBlocks() throws {
    let path = "/tmp/qmp-linereader-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
    let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    try #require(descriptor >= 0)
    defer {
      close(descriptor)
      unlink(path)
    }
    let text = Array("only".utf8)
    try #require(pwrite(descriptor, text, text.count, 0) == text.count)
    var reader = LineReader(fileDescriptor: descriptor, sourceName: path)
    try #require(!reader.mayBlock)
    #expect(try reader.nextLine() == "only")
    #expect(!reader.mayBlock, "at end of input")
    #expect(try reader.nextLine() == nil)
  }

  @Test func aBufferedLineNeverBlocks() throws {
    var descriptors: [Int32] = [-1, -1]
    // Close-on-exec: children that other tests spawn meanwhile must not keep the ends open.
    try #require(pipe(&descriptors) == 0)
    for end in descriptors { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    defer {
      close(descriptors[0])
      close(descriptors[1])
    }
    var reader = LineReader(fileDescriptor: descriptors[0], sourceName: "test pipe")
    let text = Array("a\nb\n".utf8)
    try #require(write(descriptors[1], text, text.count) == text.count)
    #expect(try reader.nextLine() == "a")
    // The pipe is drained (one read took both lines), yet "b" is whole in the buffer.
    #expect(!reader.mayBlock)
    #expect(try reader.nextLine() == "b")
    #expect(reader.mayBlock)
  }
}
