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

  @Test func messageAppearsAboveAHalfTypedLineWhichStaysEditable() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("query-st")
    try terminal.expect("query-st")
    try probe.inject("STOP arrived")
    try terminal.expect("event: STOP arrived")
    try terminal.expect(prompt + "query-st")  // the prompt and the partial line come back
    try terminal.send("atus\r")
    try terminal.expect("got: [query-status]")
  }

  @Test func peerTextIsShownWithControlsMadeVisible() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try probe.inject("bad \u{1b}[2J text")
    try terminal.expect("event: bad \\x1b[2J text")
  }

  @Test func completesACommandNameAndAppendsASpace() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("query-s\t")
    try terminal.expect("query-status")
    try terminal.send("\r")
    try terminal.expect("got: [query-status ]")
  }

  @Test func listsAmbiguousCompletions() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("query-\t\t")
    try terminal.expect("query-commands")
    try terminal.expect("query-name")
    try terminal.expect("query-status")
  }

  @Test func completesAnArgumentNameWithoutASpaceAfterTheEqualsSign() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("device_add i\tnic0\r")
    try terminal.expect("got: [device_add id=nic0]")
  }

  @Test func completesAnEnumValueAfterKeyEquals() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("device_add driver=vir\t")
    try terminal.expect("tio-")  // completed up to the common prefix of two values
    try terminal.send("b\t\r")
    try terminal.expect("got: [device_add driver=virtio-blk-pci ]")
  }

  @Test func completesDottedKeysAndTheirValues() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("blockdev-add file.d\tho\t\r")
    try terminal.expect("got: [blockdev-add file.driver=host_device ]")
  }

  @Test func historyIsTrimmedDeduplicatedPrivateAndRecalledInTheNextRun() throws {
    let first = try ProbeSession()
    defer { first.removeFolder() }
    try first.terminal.expect(prompt)
    for line in ["  query-status  ", "query-status", "", "   ", "device_add id=x"] {
      try first.terminal.send(line + "\r")
      try first.terminal.expect("got: [\(line)]")
    }
    try first.terminal.send("\u{04}")
    #expect(try first.terminal.waitForExit() == 0)

    let contents = try String(contentsOfFile: first.historyPath, encoding: .utf8)
    #expect(contents == "query-status\ndevice_add id=x\n")
    var info = stat()
    #expect(stat(first.historyPath, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o600)

    let second = try ProbeSession(folder: first.folder)
    try second.terminal.expect(prompt)
    try second.terminal.send("\u{1b}[A")
    try second.terminal.expect("device_add id=x")
    try second.terminal.send("\u{1b}[A\r")
    try second.terminal.expect("got: [query-status]")
  }

  @Test func historyFileIsCutToTheNewestThousandEntriesKeepingItsMode() throws {
    var template = Array("/tmp/le.XXXXXX".utf8CString)
    let folder = String(cString: mkdtemp(&template)!)
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/history"
    let old = (0..<1500).map { "cmd \($0)\n" }.joined()
    try old.write(toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o640)

    let probe = try ProbeSession(folder: folder)
    try probe.terminal.expect(prompt)
    try probe.terminal.send("\u{1b}[A\r")
    try probe.terminal.expect("got: [cmd 1499]")
    try probe.terminal.send("newest\r")
    try probe.terminal.expect("got: [newest]")
    try probe.terminal.send("\u{04}")
    #expect(try probe.terminal.waitForExit() == 0)

    let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    #expect(lines.count == 1000)
    #expect(lines.first == "cmd 501")
    #expect(lines.last == "newest")
    var info = stat()
    #expect(stat(path, &info) == 0)
    #expect(info.st_mode & 0o777 == 0o640)
  }

  @Test func unwritableHistoryIsReportedAndTheEditorKeepsWorking() throws {
    let probe = try ProbeSession(
      extraArguments: ["--history", "/tmp/le-missing-dir-\(getpid())/h"], history: false)
    defer { probe.removeFolder() }
    try probe.terminal.expect(prompt)
    try probe.terminal.send("query-name\r")
    try probe.terminal.expect("cannot write history file")
    try probe.terminal.expect("history is no longer saved")
    try probe.terminal.expect("got: [query-name]")
  }

  @Test func unreadableHistoryIsReportedAtStart() throws {
    let probe = try ProbeSession(extraArguments: ["--history", "/tmp"], history: false)
    defer { probe.removeFolder() }
    try probe.terminal.expect("warning: cannot read history file /tmp")
    try probe.terminal.send("x\r")
    try probe.terminal.expect("got: [x]")
  }

  @Test func ctrlCAtThePromptDiscardsTheLine() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("abc")
    try terminal.expect("abc")
    try terminal.send("\u{03}")
    try terminal.expect("cleared: [abc]")
    try terminal.send("x\r")
    try terminal.expect("got: [x]")
  }

  @Test func ctrlCWhilePendingInterruptsTheOwner() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("wait\r")
    try terminal.expect("waiting")
    try terminal.send("\u{03}")
    try terminal.expect("interrupted")
    try terminal.expect(prompt)
    try terminal.send("y\r")
    try terminal.expect("got: [y]")
  }

  @Test func keysTypedWhilePendingAreKeptForTheNextPrompt() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("wait\r")
    try terminal.expect("waiting")
    try terminal.send("ahead")
    try probe.inject("reply")
    try terminal.expect("event: reply")
    try terminal.expect("released")
    try terminal.send("\r")
    try terminal.expect("got: [ahead]")
  }

  @Test func disablingInputFromAnotherThreadHidesAndKeepsTheLine() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("partial")
    try terminal.expect("partial")
    try probe.inject("!disable")
    try terminal.expect("disabled")
    try terminal.send("X")  // typed while hidden: waits in the terminal
    try probe.inject("!enable")
    try terminal.expect("enabled")
    try terminal.expect(prompt + "partial")
    try terminal.send("\r")
    try terminal.expect("got: [partialX]")
  }

  @Test func pastedLinesWaitBehindAPendingCommand() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    // A bracketed paste of three lines; readline inserts it as one line.
    try terminal.send("\u{1b}[200~first\nwait\nthird\u{1b}[201~\r")
    try terminal.expect("got: [first]")
    try terminal.expect("waiting")
    try probe.inject("done")
    try terminal.expect("released")
    try terminal.expect("got: [third]")
  }

  @Test func ctrlDOnAnEmptyLineEndsWithStatusZeroAndRestoresTheTerminal() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("ab\u{01}\u{04}\r")  // Ctrl-D inside a line deletes a character
    try terminal.expect("got: [b]")
    try terminal.send("\u{04}")
    try terminal.expect("bye")
    #expect(try terminal.waitForExit() == 0)
    let modes = try terminal.localModes()
    #expect(modes & tcflag_t(ECHO) != 0)
    #expect(modes & tcflag_t(ICANON) != 0)
  }

  @Test func resizingTheTerminalKeepsTheLineAndUpdatesReadline() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("size\r")
    try terminal.expect("size: 30x100")
    try terminal.send("half")
    try terminal.expect("half")
    try terminal.resize(rows: 40, columns: 120)
    try terminal.send(" line\r")
    try terminal.expect("got: [half line]")
    try terminal.send("size\r")
    try terminal.expect("size: 40x120")
  }

  @Test func promptChangesApplyAtTheNextPrompt() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("prompt TRANS>\r")
    try terminal.expect("TRANS> ")
    try terminal.send("x\r")
    try terminal.expect("got: [x]")
    try terminal.expect("TRANS> ")
  }

  @Test func stopFromAnotherThreadEndsTheRunAndRestoresTheTerminal() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("quit\r")
    try terminal.expect("stopped")
    #expect(try terminal.waitForExit() == 0)
    #expect(try terminal.localModes() & tcflag_t(ECHO) != 0)
  }

  @Test func stopWhilePendingRestoresTheTerminal() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("wait\r")
    try terminal.expect("waiting")
    try probe.inject("!stop")
    try terminal.expect("stopped")
    #expect(try terminal.waitForExit() == 0)
    let modes = try terminal.localModes()
    #expect(modes & tcflag_t(ECHO) != 0)
    #expect(modes & tcflag_t(ICANON) != 0)
  }

  @Test func sigtermRestoresTheTerminalAndReportsTheSignal() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("partial")
    try terminal.expect("partial")
    kill(terminal.pid, SIGTERM)
    try terminal.expect("signal 15")
    #expect(try terminal.waitForExit() == 128 + SIGTERM)
    #expect(try terminal.localModes() & tcflag_t(ECHO) != 0)
  }

  @Test func continuingAfterAStopSetsTheTerminalUpAgain() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("half")
    try terminal.expect("half")
    // What a job-control shell does around `fg`: its own (cooked) modes, then SIGCONT.
    try terminal.setLocalModes(adding: tcflag_t(ECHO | ICANON))
    kill(terminal.pid, SIGCONT)
    try terminal.expect(prompt + "half")  // the line is redrawn…
    #expect(try terminal.localModes() & tcflag_t(ECHO | ICANON) == 0)  // …in readline's mode
    try terminal.send(" line\r")
    try terminal.expect("got: [half line]")
  }

  @Test func ctrlZInAnOrphanedGroupLeavesTheEditorWorking() throws {
    // The pty's process group has no job-control shell, so the kernel ignores the stop; the
    // editor must still restore and take back the terminal around it.
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("ab")
    try terminal.expect("ab")
    try terminal.send("\u{1a}")
    try terminal.expect("\u{1b}[?2004l")  // the terminal was handed back (bracketed paste off)…
    try terminal.expect(prompt + "ab")  // …and taken again, with the line redrawn
    #expect(try terminal.localModes() & tcflag_t(ECHO) == 0)
    try terminal.send("c\r")
    try terminal.expect("got: [abc]")
  }

  @Test func aSecondEditorIsRefusedWithoutBreakingTheFirst() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("again\r")
    try terminal.expect("second editor: a line editor is already running")
    // The running editor still gets its signals.
    try terminal.send("abc")
    try terminal.expect("abc")
    try terminal.send("\u{03}")
    try terminal.expect("cleared: [abc]")
  }

  @Test func runsOnItsOwnThreadFromAnAsyncCaller() throws {
    let probe = try ProbeSession(extraArguments: ["--own-thread"])
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try probe.inject("hello")
    try terminal.expect("event: hello")
    try terminal.send("query-n\t\r")
    try terminal.expect("got: [query-name ]")
    try terminal.send("\u{04}")
    try terminal.expect("ran on its own thread")
    #expect(try terminal.waitForExit() == 0)
  }

  @Test func missingFileDescriptorsAreReported() throws {
    let probe = try ProbeSession(extraArguments: ["--exhaust-descriptors"], history: false)
    defer { probe.removeFolder() }
    try probe.terminal.expect("cannot create the line editor's pipe: Too many open files")
    #expect(try probe.terminal.waitForExit() == 3)
  }

  @Test func aFloodOfMessagesIsShownInOrder() throws {
    let probe = try ProbeSession()
    defer { probe.removeFolder() }
    let terminal = probe.terminal!
    try terminal.expect(prompt)
    try terminal.send("flood 3000\r")
    try terminal.expect("flood 0\r\n")
    try terminal.expect("flood 1500\r\n")
    try terminal.expect("flood 2999\r\n")
    try terminal.expect("flood done")
    try terminal.send("after\r")
    try terminal.expect("got: [after]")
  }
}
