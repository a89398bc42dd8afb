import Foundation
import NIOPosix
import QMPClient
import QMPTestSupport
import Testing

@testable import QMPShell

/// Script mode gathers stdout into few writes; these tests hold what must not change: order,
/// completeness, a bounded wait, a closed reader noticed, and replies before their errors.
@Suite struct StdoutBatcherTests {
  /// A pipe whose ends close when the test is done.
  final class TestPipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() throws {
      var fds: [Int32] = [0, 0]
      guard pipe(&fds) == 0 else { throw POSIXError(.EMFILE) }
      readEnd = fds[0]
      writeEnd = fds[1]
    }

    deinit {
      close(readEnd)
      close(writeEnd)
    }

    /// Whether bytes wait in the pipe, waiting at most `milliseconds` for them.
    func hasData(within milliseconds: Int32) -> Bool {
      var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
      return poll(&descriptor, 1, milliseconds) == 1
    }

    /// What is in the pipe now (call after `hasData`).
    func take() -> String {
      var buffer = [UInt8](repeating: 0, count: 1 << 16)
      let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
      return String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self)
    }
  }

  @Test func bytesWaitForTheFlushAndKeepTheirOrder() throws {
    let pipe = try TestPipe()
    let batcher = StdoutBatcher(
      sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: QMPClient().eventLoop,
      delay: .hours(1))
    for index in 0..<100 { try batcher.write(Array("r\(index)\n".utf8)) }
    #expect(!pipe.hasData(within: 0), "written before the flush")
    try batcher.flush()
    #expect(pipe.hasData(within: 0))
    #expect(pipe.take() == (0..<100).map { "r\($0)\n" }.joined())
  }

  @Test func theTimerWritesWithoutAFlush() throws {
    let pipe = try TestPipe()
    let batcher = StdoutBatcher(
      sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: QMPClient().eventLoop,
      delay: .milliseconds(5))
    try batcher.write(Array("late\n".utf8))
    #expect(pipe.hasData(within: 10_000), "pending output never written")
    #expect(pipe.take() == "late\n")
  }

  @Test func withoutALoopEveryWriteGoesOutAtOnce() throws {
    let pipe = try TestPipe()
    let batcher = StdoutBatcher(sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: nil)
    try batcher.write(Array("now\n".utf8))
    #expect(pipe.hasData(within: 0))
    #expect(pipe.take() == "now\n")
  }

  /// A batcher (with a timer that never fires) on a pipe whose reader has gone.
  private func batcherWithoutReader() throws -> (TestPipe, StdoutBatcher) {
    signal(SIGPIPE, SIG_IGN)
    let pipe = try TestPipe()
    let batcher = StdoutBatcher(
      sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: QMPClient().eventLoop,
      delay: .hours(1))
    // The pipe's only read end goes away, but its number stays the pipe's (now /dev/null):
    // a plain close here and another in TestPipe's deinit closed, now and then, a socket
    // another test's event loop had just been given that number (NIO then crashed on EBADF).
    let devNull = open("/dev/null", O_RDONLY)
    dup2(devNull, pipe.readEnd)
    close(devNull)
    return (pipe, batcher)
  }

  @Test func aClosedReaderFailsTheFlushAndEveryLaterWrite() throws {
    let (pipe, batcher) = try batcherWithoutReader()
    defer { withExtendedLifetime(pipe) {} }
    try batcher.write(Array("lost\n".utf8))
    #expect(throws: OutputClosedError.self) { try batcher.flush() }
    #expect(batcher.isClosed)
    #expect(throws: OutputClosedError.self) { try batcher.write(Array("more\n".utf8)) }
  }

  /// Runs blocking `body` (pipe reads and writes) on a thread of its own, not on one of the
  /// few threads Swift's tasks share.
  private func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
      DetachedThread.start { continuation.resume(returning: body()) }
    }
  }

  /// Past the limit, bytes go to the writer thread: the caller goes on while the pipe is full
  /// (its reader is not reading yet), and everything arrives, in order, once it reads.
  @Test func aFullPipeDoesNotHoldUpTheCaller() async throws {
    let pipe = try TestPipe()
    let batcher = StdoutBatcher(
      sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: QMPClient().eventLoop,
      delay: .hours(1))
    // Twice what a pipe holds: written by the caller, this would block until a read.
    let first = [UInt8](repeating: UInt8(ascii: "a"), count: 2 * StdoutBatcher.limit)
    let second = Array("b\n".utf8)
    let returned = try? await withTimeout(.seconds(10), "writes past the limit") {
      await onThread { (try? batcher.write(first)) != nil && (try? batcher.write(second)) != nil }
    }
    #expect(returned == true, "the caller waited for the pipe's reader")
    // The flush waits for the writer thread, which waits for reads (a caller stuck in write(2)
    // without the feature is released by them too).
    DetachedThread.start { try? batcher.flush() }
    let received = await onThread { Self.readAll(pipe, count: first.count + second.count) }
    #expect(received.count == first.count + second.count)
    #expect(received.elementsEqual(first + second), "the bytes differ")
  }

  /// Many hand-offs to the writer thread, with flushes between them, while a reader drains
  /// the pipe: not a byte lost, duplicated or reordered.
  @Test func handOffsAndFlushesKeepTheOrder() async throws {
    let pipe = try TestPipe()
    let batcher = StdoutBatcher(
      sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: QMPClient().eventLoop,
      delay: .milliseconds(1))
    let lines = (0..<40_000).map { "line \($0) " + String(repeating: "x", count: $0 % 97) + "\n" }
    let expected = Array(lines.joined().utf8)
    async let written = onThread {
      do {
        for (index, line) in lines.enumerated() {
          try batcher.write(Array(line.utf8))
          if index % 7_000 == 0 { try batcher.flush() }
        }
        try batcher.flush()
        return true
      } catch {
        return false
      }
    }
    let received = await onThread { Self.readAll(pipe, count: expected.count) }
    #expect(await written)
    #expect(received.count == expected.count)
    #expect(received.elementsEqual(expected), "the bytes differ")
  }

  /// Reads `count` bytes, or what came until nothing more did for 10 s.
  private static func readAll(_ pipe: TestPipe, count: Int) -> [UInt8] {
    var received: [UInt8] = []
    while received.count < count, pipe.hasData(within: 10_000) {
      received += Array(pipe.take().utf8)
    }
    return received
  }

  /// A batcher released with its flush timer still armed (the run ended between two
  /// timer ticks): the timer still writes, and the event loop it runs on is not stuck.
  @Test(arguments: [false, true])
  func aTimerOutlivingItsBatcherStillWrites(writerStarted: Bool) async throws {
    let pipe = try TestPipe()
    // A loop of its own: if the timer got stuck on it, no other test would be.
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let loop = group.next()
    let big = [UInt8](repeating: UInt8(ascii: "w"), count: StdoutBatcher.limit)
    do {
      let batcher = StdoutBatcher(
        sink: OutputSink(fileDescriptor: pipe.writeEnd), eventLoop: loop,
        delay: .milliseconds(20))
      if writerStarted {
        try batcher.write(big)
        _ = await onThread { Self.readAll(pipe, count: big.count) }
      }
      try batcher.write(Array("late\n".utf8))
    }
    let written = pipe.hasData(within: 10_000)
    #expect(written, "the timer did not write")
    if written { #expect(pipe.take() == "late\n") }
    let responsive = try? await withTimeout(.seconds(10), "a task on the event loop") {
      try await loop.submit { true }.get()
    }
    #expect(responsive == true)
    if responsive == true { try await group.shutdownGracefully() }
  }

  /// The writer thread finds the reader gone: the next flush and every later write fail.
  @Test func aReaderGoneUnderTheWriterThreadFailsWhatFollows() throws {
    let (pipe, batcher) = try batcherWithoutReader()
    defer { withExtendedLifetime(pipe) {} }
    try batcher.write([UInt8](repeating: UInt8(ascii: "z"), count: StdoutBatcher.limit))
    #expect(throws: OutputClosedError.self) { try batcher.flush() }
    #expect(batcher.isClosed)
    #expect(throws: OutputClosedError.self) { try batcher.write(Array("more\n".utf8)) }
  }

  /// stdout and stderr into one file: the failed command's reply comes before the error
  /// line that names it, although stdout is batched and stderr is not.
  @Test func aReplyPrecedesItsErrorInASharedFile() async throws {
    try await withQEMU { qemu in
      let command = "exec 2>&1; '\(ShellBinary.url.path)' '\(qemu.address.description)'"
      let shell = try ScriptProcess(
        executable: URL(fileURLWithPath: "/bin/bash"), ["-c", command],
        input: "query-status\nno-such-command\n")
      let run = try await shell.finish()
      #expect(run.status == 1)
      let lines = run.stdout.split(separator: "\n")
      #expect(lines.count == 3)
      #expect(lines.first?.contains("\"running\"") == true)
      #expect(lines.dropFirst().first?.contains("CommandNotFound") == true)
      #expect(lines.last?.hasPrefix("qmp-shell: line 2: no-such-command") == true)
    }
  }
}
