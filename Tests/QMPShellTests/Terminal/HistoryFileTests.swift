import Foundation
import Testing

@testable import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

struct HistoryFileTests {
  /// A fresh temporary folder, removed by the caller.
  func makeFolder() throws -> String {
    var template = Array("/tmp/hf.XXXXXX".utf8CString)
    let made = try #require(mkdtemp(&template))
    return String(cString: made)
  }

  func mode(of path: String) throws -> mode_t {
    var info = stat()
    try #require(stat(path, &info) == 0)
    return info.st_mode & 0o777
  }

  @Test func linesAreTrimmedAndEmptyOnesRefused() {
    #expect(HistoryFile.normalized("  query-status \t") == "query-status")
    #expect(HistoryFile.normalized(" \t ") == nil)
    #expect(HistoryFile.normalized("") == nil)
    #expect(HistoryFile.entry(for: " a ", after: "a") == nil)
    #expect(HistoryFile.entry(for: " a ", after: "b") == "a")
  }

  @Test func readingNormalisesDeduplicatesAndKeepsTheNewest() {
    let bytes = Array(" a \n\na\nb\r\nb\nc\n   \nd".utf8)
    let (entries, lines) = HistoryFile.entries(from: bytes, limit: 3)
    #expect(entries == ["b", "c", "d"])
    #expect(lines == 7)
  }

  @Test func aMissingFileIsAnEmptyHistoryAndAppendingCreatesItPrivate() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    var history = HistoryFile(path: folder + "/h", limit: 10)
    #expect(try history.load() == [])
    try history.append("query-status")
    try history.append("quit")
    #expect(try String(contentsOfFile: folder + "/h", encoding: .utf8) == "query-status\nquit\n")
    #expect(try mode(of: folder + "/h") == 0o600)
  }

  @Test func compactionKeepsTheNewestEntriesTheModeAndOtherShellsLines() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/h"
    try (1...4).map { "old \($0)\n" }.joined().write(
      toFile: path, atomically: false, encoding: .utf8)
    chmod(path, 0o640)
    var history = HistoryFile(path: path, limit: 4)
    #expect(try history.load() == ["old 1", "old 2", "old 3", "old 4"])
    try history.append("mine")
    // Another shell appends meanwhile; compaction re-reads the file and keeps its line.
    let other = open(path, O_WRONLY | O_APPEND)
    _ = "theirs\n".withCString { write(other, $0, 7) }
    close(other)
    try history.compactIfNeeded()
    #expect(
      try String(contentsOfFile: path, encoding: .utf8) == "old 3\nold 4\nmine\ntheirs\n")
    #expect(try mode(of: path) == 0o640)
  }

  @Test func loadingAnOversizedFileCutsIt() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/h"
    try (1...5).map { "\($0)\n" }.joined().write(toFile: path, atomically: false, encoding: .utf8)
    var history = HistoryFile(path: path, limit: 2)
    #expect(try history.load() == ["4", "5"])
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "4\n5\n")
  }

  @Test func compactionWritesThroughASymbolicLink() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    try "a\nb\nc\n".write(toFile: folder + "/real", atomically: false, encoding: .utf8)
    symlink(folder + "/real", folder + "/link")
    var history = HistoryFile(path: folder + "/link", limit: 2)
    _ = try history.load()
    let destination = try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/link")
    #expect(destination == folder + "/real")
    #expect(try String(contentsOfFile: folder + "/real", encoding: .utf8) == "b\nc\n")
  }

  @Test func onlyRegularFilesAreRewritten() throws {
    var info = stat()
    try #require(stat("/dev/null", &info) == 0)
    #expect(!HistoryFile.isRegularFile(info.st_mode))
    try #require(stat("/proc/self/exe", &info) == 0)
    #expect(HistoryFile.isRegularFile(info.st_mode))
  }

  @Test func aFIFOAsHistoryIsNeverReplacedByAFile() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/fifo"
    try #require(mkfifo(path, 0o600) == 0)
    let holder = open(path, O_RDWR)  // a reader and writer, so nothing blocks
    defer { close(holder) }
    var history = HistoryFile(path: path, limit: 1)
    #expect(try history.load() == [])
    try history.append("one")
    try history.append("two")
    try history.compactIfNeeded()  // over the limit, but not a regular file: left alone
    var info = stat()
    try #require(stat(path, &info) == 0)
    #expect(info.st_mode & S_IFMT == S_IFIFO)
  }

  @Test func aFolderIsAnUnreadableHistory() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let history = HistoryFile(path: folder, limit: 10)
    #expect(throws: HistoryFileError.unreadable(path: folder, errno: EISDIR)) {
      var copy = history
      _ = try copy.load()
    }
  }

  @Test func appendingInAMissingFolderFails() throws {
    let path = "/tmp/hf-missing-\(getpid())/h"
    let history = HistoryFile(path: path, limit: 10)
    #expect(throws: HistoryFileError.unwritable(path: path, errno: ENOENT)) {
      var copy = history
      try copy.append("x")
    }
  }

  @Test func compactionFailureIsReported() throws {
    let folder = try makeFolder()
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let path = folder + "/h"
    try "a\nb\nc\n".write(toFile: path, atomically: false, encoding: .utf8)
    // The rewrite's temporary file name is taken by a folder: creating it fails (even for
    // root, who ignores permissions), and the original file is left as it was.
    let temporary = "\(path).\(getpid()).tmp"
    try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: false)
    let history = HistoryFile(path: path, limit: 2)
    #expect(throws: HistoryFileError.unwritable(path: temporary, errno: EEXIST)) {
      var copy = history
      _ = try copy.load()
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "a\nb\nc\n")
  }

  @Test func errorsNameTheFileAndTheReason() {
    #expect(
      HistoryFileError.unreadable(path: "/x", errno: EACCES).description
        == "cannot read history file /x: Permission denied")
    #expect(
      HistoryFileError.unwritable(path: "/y", errno: ENOSPC).description
        == "cannot write history file /y: No space left on device")
  }
}
