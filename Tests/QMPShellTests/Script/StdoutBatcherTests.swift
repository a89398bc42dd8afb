import Foundation
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

  @Test func aClosedReaderFailsTheFlushAndEveryLaterWrite() throws {
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
    try batcher.write(Array("lost\n".utf8))
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
