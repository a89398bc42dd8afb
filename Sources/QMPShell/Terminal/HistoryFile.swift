#if canImport(Glibc)
  import Glibc
#endif

/// The history file: one entry per line, trimmed, no empty lines, no two equal lines in a row,
/// at most `limit` entries.
///
/// Each accepted line is appended at once (so a crash or a killed terminal loses nothing, and
/// several shells can share the file); the file is cut back to the newest `limit` entries when
/// it has grown past the limit, on load and when the editor stops. A new file is created with
/// mode 0600 because commands can carry secrets; an existing file keeps its mode (never
/// loosened, never changed behind the user's back).
struct HistoryFile {
  let path: String
  let limit: Int
  /// Lines in the file as far as this process knows: decides when to compact.
  private(set) var linesOnDisk = 0

  init(path: String, limit: Int) {
    self.path = path
    self.limit = max(1, limit)
  }

  /// The entry stored for a typed line: the line without surrounding blanks, or nil if empty.
  static func normalized<S: StringProtocol>(_ line: S) -> String? {
    guard let first = line.firstIndex(where: { !$0.isWhitespace }) else { return nil }
    let last = line.lastIndex(where: { !$0.isWhitespace })!
    return String(line[first...last])
  }

  /// Normalised entries of a file's bytes: trimmed, no empty, no consecutive duplicates, newest
  /// `limit`. Also returns how many non-empty lines the bytes held.
  static func entries(from bytes: [UInt8], limit: Int) -> (entries: [String], lines: Int) {
    var entries: [String] = []
    var lines = 0
    for raw in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
      lines += 1
      guard let entry = normalized(String(decoding: raw, as: UTF8.self)) else { continue }
      if entry != entries.last { entries.append(entry) }
    }
    if entries.count > limit { entries.removeFirst(entries.count - limit) }
    return (entries, lines)
  }

  /// Reads the file (a missing file is an empty history) and returns its entries, oldest first.
  /// Compacts the file if it holds more than `limit` lines.
  mutating func load() throws(HistoryFileError) -> [String] {
    guard let bytes = try readFile() else { return [] }
    let (entries, lines) = Self.entries(from: bytes, limit: limit)
    linesOnDisk = lines
    if lines > limit { try rewrite(entries) }
    return entries
  }

  /// The history entry for a typed line: nil for an empty line or a repeat of `previous`.
  static func entry(for line: String, after previous: String?) -> String? {
    guard let entry = normalized(line), entry != previous else { return nil }
    return entry
  }

  /// Appends one entry to the file, creating it with mode 0600.
  mutating func append(_ entry: String) throws(HistoryFileError) {
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw .unwritable(path: path, errno: errno) }
    defer { close(descriptor) }
    var bytes = Array(entry.utf8)
    bytes.append(UInt8(ascii: "\n"))
    let code = Self.writeAll(descriptor, bytes)
    guard code == 0 else { throw .unwritable(path: path, errno: code) }
    linesOnDisk += 1
  }

  /// Cuts the file back to the newest `limit` entries if it has grown past them. Re-reads the
  /// file so entries other shells appended meanwhile are kept.
  mutating func compactIfNeeded() throws(HistoryFileError) {
    guard linesOnDisk > limit, let bytes = try readFile() else { return }
    let (entries, _) = Self.entries(from: bytes, limit: limit)
    try rewrite(entries)
  }

  /// Replaces the file atomically (temporary file + rename), keeping its mode, following a
  /// symbolic link to the real file.
  private mutating func rewrite(_ entries: [String]) throws(HistoryFileError) {
    var target = path
    if let resolved = realpath(path, nil) {
      target = String(cString: resolved)
      free(resolved)
    }
    var mode: mode_t = 0o600
    var info = stat()
    if stat(target, &info) == 0 {
      // `--history /dev/null` must not replace the device with a file (as root it could).
      guard Self.isRegularFile(info.st_mode) else { return }
      mode = info.st_mode & 0o7777
    }
    let temporary = "\(target).\(getpid()).tmp"
    unlink(temporary)
    let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else { throw .unwritable(path: temporary, errno: errno) }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(entries.count * 32)
    for entry in entries {
      bytes.append(contentsOf: entry.utf8)
      bytes.append(UInt8(ascii: "\n"))
    }
    var code = Self.writeAll(descriptor, bytes)
    if code == 0 && fchmod(descriptor, mode) != 0 { code = errno }
    if close(descriptor) != 0 && code == 0 { code = errno }
    if code == 0 && rename(temporary, target) != 0 { code = errno }
    guard code == 0 else {
      unlink(temporary)
      throw .unwritable(path: path, errno: code)
    }
    linesOnDisk = entries.count
  }

  /// Only regular files are ever rewritten; devices, FIFOs and the like are appended to only.
  static func isRegularFile(_ mode: mode_t) -> Bool {
    mode & S_IFMT == S_IFREG
  }

  /// The whole file, or nil if it does not exist.
  private func readFile() throws(HistoryFileError) -> [UInt8]? {
    // Non-blocking, so a FIFO given as history file cannot hang the shell at start.
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
    if descriptor < 0 {
      if errno == ENOENT { return nil }
      throw .unreadable(path: path, errno: errno)
    }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count == 0 { return result }
      if count < 0 {
        if errno == EINTR { continue }
        if errno == EAGAIN { return result }
        throw .unreadable(path: path, errno: errno)
      }
      result.append(contentsOf: chunk[0..<count])
    }
  }

  /// Writes all of `bytes`, retrying short writes; returns 0 or the errno of the failure.
  static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32 {
    var offset = 0
    while offset < bytes.count {
      let count = bytes.withUnsafeBytes {
        write(descriptor, $0.baseAddress! + offset, $0.count - offset)
      }
      if count < 0 {
        if errno == EINTR { continue }
        return errno
      }
      offset += count
    }
    return 0
  }
}
