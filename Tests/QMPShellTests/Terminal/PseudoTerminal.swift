import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
  import Glibc
#endif

/// Why a pseudo-terminal test step failed; carries the output seen so far.
struct PseudoTerminalError: Error, CustomStringConvertible {
  let description: String
}

/// Runs a program in a real pseudo-terminal (it is the session leader and the pty is its
/// controlling terminal, so Ctrl-C and SIGWINCH reach it as from a person's terminal), sends
/// keystrokes and waits, with a deadline, for expected output.
final class PseudoTerminal {
  let pid: pid_t
  private let master: Int32
  private let exitWatcher: ExitWatcher
  private var output: [UInt8] = []
  private var searchStart = 0
  private var masterClosed = false
  private var hungUp = false

  /// The `line-editor-probe` executable, built next to the test bundle.
  static func probePath() throws -> String {
    var candidates: [String] = []
    if let executable = try? FileManager.default.destinationOfSymbolicLink(
      atPath: "/proc/self/exe")
    {
      var folder = URL(fileURLWithPath: executable).deletingLastPathComponent()
      // Inside a bundle (…/X.xctest/…): the products sit next to the bundle.
      while folder.path != "/" {
        candidates.append(folder.appendingPathComponent("line-editor-probe").path)
        if !folder.path.contains(".xctest") { break }
        folder.deleteLastPathComponent()
      }
    }
    candidates.append(FileManager.default.currentDirectoryPath + "/.build/debug/line-editor-probe")
    for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
      return candidate
    }
    throw PseudoTerminalError(description: "line-editor-probe not found in \(candidates)")
  }

  init(
    executable: String, arguments: [String], environment: [String: String],
    rows: UInt16 = 30, columns: UInt16 = 100
  ) throws {
    // Everything the child needs is prepared before fork: after it, only async-signal-safe
    // calls (sigprocmask, execve, _exit) happen in the child.
    var argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) }
    argv.append(nil)
    var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") }
    envp.append(nil)
    defer {
      for pointer in argv { free(pointer) }
      for pointer in envp { free(pointer) }
    }
    var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    var masterDescriptor: Int32 = -1
    let child = argv.withUnsafeMutableBufferPointer { argvBuffer in
      envp.withUnsafeMutableBufferPointer { envBuffer in
        let child = forkpty(&masterDescriptor, nil, nil, &size)
        if child == 0 {
          sigprocmask(SIG_SETMASK, &emptyMask, nil)
          execve(argvBuffer[0]!, argvBuffer.baseAddress!, envBuffer.baseAddress!)
          _exit(127)
        }
        return child
      }
    }
    guard child > 0 else {
      throw PseudoTerminalError(description: "forkpty failed: errno \(errno)")
    }
    pid = child
    master = masterDescriptor
    _ = fcntl(master, F_SETFD, FD_CLOEXEC)
    _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
    exitWatcher = try ExitWatcher(pid: child)
  }

  deinit {
    if exitWatcher.status == nil { kill(pid, SIGKILL) }
    if !hungUp { close(master) }
  }

  /// Closes the terminal as a closed window does: the kernel hangs up the program's session.
  /// Nothing else may be asked of this object afterwards.
  func hangUp() {
    guard !hungUp else { return }
    hungUp = true
    close(master)
  }

  /// Sends keystrokes (control keys as their bytes: "\u{03}" is Ctrl-C).
  func send(_ keys: String) throws {
    let bytes = Array(keys.utf8)
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes {
        write(master, $0.baseAddress! + offset, $0.count - offset)
      }
      if count > 0 {
        offset += count
      } else if errno == EAGAIN || errno == EINTR {
        var descriptor = pollfd(fd: master, events: Int16(POLLOUT), revents: 0)
        _ = poll(&descriptor, 1, 1000)
      } else {
        throw PseudoTerminalError(description: "write to pty failed: errno \(errno)")
      }
    }
  }

  /// Waits until `text` appears in the output after the previous match; later expectations
  /// search after this one, so a sequence of `expect` calls checks order too.
  func expect(_ text: String, timeout: Duration = .seconds(20)) async throws {
    let needle = Array(text.utf8)
    let deadline = ContinuousClock.now + timeout
    while true {
      if let end = find(needle) {
        searchStart = end
        return
      }
      if masterClosed || (exitWatcher.status != nil && !readAvailable()) {
        if let end = find(needle) {
          searchStart = end
          return
        }
        throw failure("the program ended before \(text.debugDescription) appeared")
      }
      let remaining = deadline - ContinuousClock.now
      guard remaining > .zero else {
        throw failure("no \(text.debugDescription) within \(timeout)")
      }
      await waitForActivity(until: remaining)
      _ = readAvailable()
    }
  }

  /// Waits for the program to end, reading its output meanwhile; returns its exit status
  /// (128 + N if killed by signal N).
  func waitForExit(timeout: Duration = .seconds(20)) async throws -> Int32 {
    let deadline = ContinuousClock.now + timeout
    while exitWatcher.status == nil {
      let remaining = deadline - ContinuousClock.now
      guard remaining > .zero else { throw failure("the program did not end within \(timeout)") }
      await waitForActivity(until: remaining)
      _ = readAvailable()
    }
    _ = readAvailable()
    let status = exitWatcher.status!
    if status & 0x7f == 0 { return (status >> 8) & 0xff }
    return 128 + (status & 0x7f)
  }

  /// Changes the terminal size; the kernel sends SIGWINCH to the program.
  func resize(rows: UInt16, columns: UInt16) throws {
    var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
    guard ioctl(master, UInt(TIOCSWINSZ), &size) == 0 else {
      throw PseudoTerminalError(description: "TIOCSWINSZ failed: errno \(errno)")
    }
  }

  /// The terminal's current local modes (ECHO, ICANON…), as the program left them.
  func localModes() throws -> tcflag_t {
    var attributes = termios()
    guard tcgetattr(master, &attributes) == 0 else {
      throw PseudoTerminalError(description: "tcgetattr failed: errno \(errno)")
    }
    return attributes.c_lflag
  }

  /// Sets local mode flags, as a shell does when it takes the terminal back.
  func setLocalModes(adding flags: tcflag_t) throws {
    var attributes = termios()
    guard tcgetattr(master, &attributes) == 0 else {
      throw PseudoTerminalError(description: "tcgetattr failed: errno \(errno)")
    }
    attributes.c_lflag |= flags
    guard tcsetattr(master, TCSANOW, &attributes) == 0 else {
      throw PseudoTerminalError(description: "tcsetattr failed: errno \(errno)")
    }
  }

  /// Everything the program wrote so far, for diagnostics.
  var transcript: String { String(decoding: output, as: UTF8.self) }

  private func failure(_ what: String) -> PseudoTerminalError {
    let seen = String(decoding: output[searchStart...], as: UTF8.self)
    return PseudoTerminalError(
      description: "\(what); output after the last match: \(seen.debugDescription)")
  }

  private func find(_ needle: [UInt8]) -> Int? {
    guard !needle.isEmpty, output.count - searchStart >= needle.count else { return nil }
    var start = searchStart
    while start + needle.count <= output.count {
      if output[start] == needle[0] && output[start..<start + needle.count].elementsEqual(needle) {
        return start + needle.count
      }
      start += 1
    }
    return nil
  }

  /// Reads what the pty has; true if anything was read.
  private func readAvailable() -> Bool {
    var any = false
    var buffer = [UInt8](repeating: 0, count: 8192)
    while !masterClosed {
      let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
      if count > 0 {
        output.append(contentsOf: buffer[0..<count])
        any = true
      } else if count < 0 && errno == EINTR {
        continue
      } else if count < 0 && errno == EAGAIN {
        break
      } else {
        masterClosed = true  // EIO: every slave descriptor is closed
      }
    }
    return any
  }

  /// Sleeps in `poll` until the program writes or ends, or `remaining` passes, on a thread of
  /// its own. Never on the caller's thread: tests run on Swift's cooperative pool, which has
  /// one thread per core, and a test blocked there takes that thread from every other test
  /// and from the in-process fake servers the program may be talking to. With two cores, two
  /// terminal tests waiting at once stalled the whole suite until their deadlines (a client
  /// test then failed its own timeout).
  private func waitForActivity(until remaining: Duration) async {
    let milliseconds = Int32(
      clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds
        / 1_000_000_000_000_000 + 1)
    let watched = masterClosed ? [exitWatcher.reader] : [exitWatcher.reader, master]
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      Thread.detachNewThread {
        var descriptors = watched.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        continuation.resume()
      }
    }
  }
}

/// Reaps the child on its own thread (a blocking `waitpid`) and makes its end pollable through
/// a pipe, so the test waits for the exit as an event instead of polling on a timer.
private final class ExitWatcher: Sendable {
  let reader: Int32
  private let writer: Int32
  private let state = NIOLockedValueBox<Int32?>(nil)

  init(pid: pid_t) throws {
    var descriptors: [Int32] = [-1, -1]
    guard pipe(&descriptors) == 0 else {
      throw PseudoTerminalError(description: "pipe failed: errno \(errno)")
    }
    for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    reader = descriptors[0]
    writer = descriptors[1]
    // The thread keeps `self` (and so the pipe) alive until the child is reaped.
    Thread.detachNewThread { [self] in
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      state.withLockedValue { $0 = status }
      var byte: UInt8 = 1
      _ = write(writer, &byte, 1)
    }
  }

  var status: Int32? { state.withLockedValue { $0 } }

  deinit {
    close(reader)
    close(writer)
  }
}
