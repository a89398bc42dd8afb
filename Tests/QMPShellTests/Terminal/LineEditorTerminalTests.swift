import Foundation
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// End-to-end tests of `LineEditor` in a real pseudo-terminal, through `line-editor-probe`.
/// Serialized: each test drives a process and a terminal, and the machine is small.
@Suite(.serialized)
struct LineEditorTerminalTests {
  let prompt = "(probe) "

  @Test func messageAppearsAboveAHalfTypedLineWhichStaysEditable() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("query-st")
    try await terminal.expect("query-st")
    try probe.inject("STOP arrived")
    try await terminal.expect("event: STOP arrived")
    try await terminal.expect(prompt + "query-st")  // the prompt and the partial line come back
    try terminal.send("atus\r")
    try await terminal.expect("got: [query-status]")
  }

  @Test func peerTextIsShownWithControlsMadeVisible() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try probe.inject("bad \u{1b}[2J text")
    try await terminal.expect("event: bad \\x1b[2J text")
  }

  @Test func completesACommandNameAndAppendsASpace() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("query-s\t")
    try await terminal.expect("query-status")
    try terminal.send("\r")
    try await terminal.expect("got: [query-status ]")
  }

  @Test func listsAmbiguousCompletions() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("query-\t\t")
    try await terminal.expect("query-commands")
    try await terminal.expect("query-name")
    try await terminal.expect("query-status")
  }

  @Test func completesAnArgumentNameWithoutASpaceAfterTheEqualsSign() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("device_add i\tnic0\r")
    try await terminal.expect("got: [device_add id=nic0]")
  }

  @Test func completesAnEnumValueAfterKeyEquals() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("device_add driver=vir\t")
    try await terminal.expect("tio-")  // completed up to the common prefix of two values
    try terminal.send("b\t\r")
    try await terminal.expect("got: [device_add driver=virtio-blk-pci ]")
  }

  @Test func completesDottedKeysAndTheirValues() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("blockdev-add file.d\tho\t\r")
    try await terminal.expect("got: [blockdev-add file.driver=host_device ]")
  }

  @Test func historyIsTrimmedDeduplicatedPrivateAndRecalledInTheNextRun() async throws {
    let first = try ProbeSession()
    defer { first.removeFolder() }
    try await first.terminal.expect(prompt)
    for line in ["  query-status  ", "query-status", "", "   ", "device_add id=x"] {
      try first.terminal.send(line + "\r")
      try await first.terminal.expect("got: [\(line)]")
    }
    try first.terminal.send("\u{04}")
    #expect(try await first.terminal.waitForExit() == 0)

    let contents = try String(contentsOfFile: first.historyPath, encoding: .utf8)
    #expect(contents == "query-status\ndevice_add id=x\n")
    var info = stat()
    #expect(stat(first.historyPath, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)

    let second = try ProbeSession(folder: first.folder)
    try await second.terminal.expect(prompt)
    try second.terminal.send("\u{1b}[A")
    try await second.terminal.expect("device_add id=x")
    try second.terminal.send("\u{1b}[A\r")
    try await second.terminal.expect("got: [query-status]")
  }

  @Test func historyFileIsCutToTheNewestThousandEntriesKeepingItsMode() async throws {
    var template = Array("/tmp/le.XXXXXX".utf8CString)
    let folder = String(cString: mkdtemp(&template)!)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/history"
    let old = (0..<1500).map { "cmd \($0)\n" }.joined()
    try old.write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o640)

    let probe = try ProbeSession(folder: folder)
    try await probe.terminal.expect(prompt)
    try probe.terminal.send("\u{1b}[A\r")
    try await probe.terminal.expect("got: [cmd 1499]")
    try probe.terminal.send("newest\r")
    try await probe.terminal.expect("got: [newest]")
    try probe.terminal.send("\u{04}")
    #expect(try await probe.terminal.waitForExit() == 0)

    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 1000)
    #expect(lines.first == "cmd 501")
    #expect(lines.last == "newest")
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o640)
  }

  @Test func unwritableHistoryIsReportedAndTheEditorKeepsWorking() async throws {
    let probe = try ProbeSession(
      extraArguments: ["--history", "/tmp/le-missing-dir-\(getpid())/h"], history: false)
    defer { probe.removeFolder() }
    try await probe.terminal.expect(prompt)
    try probe.terminal.send("query-name\r")
    try await probe.terminal.expect("cannot write history file")
    try await probe.terminal.expect("history is no longer saved")
    try await probe.terminal.expect("got: [query-name]")
  }

  @Test func unreadableHistoryIsReportedAtStart() async throws {
    let probe = try ProbeSession(extraArguments: ["--history", "/tmp"], history: false)
    defer { probe.removeFolder() }
    try await probe.terminal.expect("warning: cannot read history file /tmp")
    try probe.terminal.send("x\r")
    try await probe.terminal.expect("got: [x]")
  }

  @Test func ctrlCAtThePromptDiscardsTheLine() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("abc")
    try await terminal.expect("abc")
    try terminal.send("\u{03}")
    try await terminal.expect("cleared: [abc]")
    try terminal.send("x\r")
    try await terminal.expect("got: [x]")
  }

  @Test func ctrlCWhilePendingInterruptsTheOwner() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("wait\r")
    try await terminal.expect("waiting")
    try terminal.send("\u{03}")
    try await terminal.expect("interrupted")
    try await terminal.expect(prompt)
    try terminal.send("y\r")
    try await terminal.expect("got: [y]")
  }

  @Test func keysTypedWhilePendingAreKeptForTheNextPrompt() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("wait\r")
    try await terminal.expect("waiting")
    try terminal.send("ahead")
    try probe.inject("reply")
    try await terminal.expect("event: reply")
    try await terminal.expect("released")
    try terminal.send("\r")
    try await terminal.expect("got: [ahead]")
  }

  @Test func disablingInputFromAnotherThreadHidesAndKeepsTheLine() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("partial")
    try await terminal.expect("partial")
    try probe.inject("!disable")
    try await terminal.expect("disabled")
    try terminal.send("X")  // typed while hidden: waits in the terminal
    try probe.inject("!enable")
    try await terminal.expect("enabled")
    try await terminal.expect(prompt + "partial")
    try terminal.send("\r")
    try await terminal.expect("got: [partialX]")
  }

  @Test func pastedLinesWaitBehindAPendingCommand() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    // A bracketed paste of three lines; readline inserts it as one line.
    try terminal.send("\u{1b}[200~first\nwait\nthird\u{1b}[201~\r")
    try await terminal.expect("got: [first]")
    try await terminal.expect("waiting")
    try probe.inject("done")
    try await terminal.expect("released")
    try await terminal.expect("got: [third]")
  }

  @Test func ctrlDOnAnEmptyLineEndsWithStatusZeroAndRestoresTheTerminal() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("ab\u{01}\u{04}\r")  // Ctrl-D inside a line deletes a character
    try await terminal.expect("got: [b]")
    try terminal.send("\u{04}")
    try await terminal.expect("bye")
    #expect(try await terminal.waitForExit() == 0)
    let modes = try terminal.localModes()
    #expect(modes & tcflag_t(ECHO) != 0)
    #expect(modes & tcflag_t(ICANON) != 0)
  }

  @Test func resizingTheTerminalKeepsTheLineAndUpdatesReadline() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("size\r")
    try await terminal.expect("size: 30x100")
    try terminal.send("half")
    try await terminal.expect("half")
    try terminal.resize(rows: 40, columns: 120)
    try terminal.send(" line\r")
    try await terminal.expect("got: [half line]")
    try terminal.send("size\r")
    try await terminal.expect("size: 40x120")
  }

  @Test func promptChangesApplyAtTheNextPrompt() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("prompt TRANS>\r")
    try await terminal.expect("TRANS> ")
    try terminal.send("x\r")
    try await terminal.expect("got: [x]")
    try await terminal.expect("TRANS> ")
  }

  @Test func stopFromAnotherThreadEndsTheRunAndRestoresTheTerminal() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("quit\r")
    try await terminal.expect("stopped")
    #expect(try await terminal.waitForExit() == 0)
    #expect(try terminal.localModes() & tcflag_t(ECHO) != 0)
  }

  @Test func stopWhilePendingRestoresTheTerminal() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("wait\r")
    try await terminal.expect("waiting")
    try probe.inject("!stop")
    try await terminal.expect("stopped")
    #expect(try await terminal.waitForExit() == 0)
    let modes = try terminal.localModes()
    #expect(modes & tcflag_t(ECHO) != 0)
    #expect(modes & tcflag_t(ICANON) != 0)
  }

  @Test func sigtermRestoresTheTerminalAndReportsTheSignal() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("partial")
    try await terminal.expect("partial")
    kill(terminal.pid, SIGTERM)
    try await terminal.expect("signal 15")
    #expect(try await terminal.waitForExit() == 128 + SIGTERM)
    #expect(try terminal.localModes() & tcflag_t(ECHO) != 0)
  }

  @Test func continuingAfterAStopSetsTheTerminalUpAgain() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("half")
    try await terminal.expect("half")
    // What a job-control shell does around `fg`: its own (cooked) modes, then SIGCONT.
    try terminal.setLocalModes(adding: tcflag_t(ECHO | ICANON))
    kill(terminal.pid, SIGCONT)
    try await terminal.expect(prompt + "half")  // the line is redrawn…
    #expect(try terminal.localModes() & tcflag_t(ECHO | ICANON) == 0)  // …in readline's mode
    try terminal.send(" line\r")
    try await terminal.expect("got: [half line]")
  }

  @Test func ctrlZInAnOrphanedGroupLeavesTheEditorWorking() async throws {
    // The pty's process group has no job-control shell, so the kernel ignores the stop; the
    // editor must still restore and take back the terminal around it.
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("ab")
    try await terminal.expect("ab")
    try terminal.send("\u{1a}")
    // The terminal was handed back (bracketed paste off)…
    try await terminal.expect("\u{1b}[?2004l")
    try await terminal.expect(prompt + "ab")  // …and taken again, with the line redrawn
    #expect(try terminal.localModes() & tcflag_t(ECHO) == 0)
    try terminal.send("c\r")
    try await terminal.expect("got: [abc]")
  }

  @Test func aSecondEditorIsRefusedWithoutBreakingTheFirst() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("again\r")
    try await terminal.expect("second editor: a line editor is already running")
    // The running editor still gets its signals.
    try terminal.send("abc")
    try await terminal.expect("abc")
    try terminal.send("\u{03}")
    try await terminal.expect("cleared: [abc]")
  }

  @Test func runsOnItsOwnThreadFromAnAsyncCaller() async throws {
    let probe = try ProbeSession(extraArguments: ["--own-thread"])
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try probe.inject("hello")
    try await terminal.expect("event: hello")
    try terminal.send("query-n\t\r")
    try await terminal.expect("got: [query-name ]")
    try terminal.send("\u{04}")
    try await terminal.expect("ran on its own thread")
    #expect(try await terminal.waitForExit() == 0)
  }

  @Test func missingFileDescriptorsAreReported() async throws {
    let probe = try ProbeSession(extraArguments: ["--exhaust-descriptors"], history: false)
    defer { probe.removeFolder() }
    try await probe.terminal.expect("cannot create the line editor's pipe: Too many open files")
    #expect(try await probe.terminal.waitForExit() == 3)
  }

  @Test func aFloodOfMessagesIsShownInOrder() async throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try await terminal.expect(prompt)
    try terminal.send("flood 3000\r")
    try await terminal.expect("flood 0\r\n")
    try await terminal.expect("flood 1500\r\n")
    try await terminal.expect("flood 2999\r\n")
    try await terminal.expect("flood done")
    try terminal.send("after\r")
    try await terminal.expect("got: [after]")
  }
}
