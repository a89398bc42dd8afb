import Glibc

/// A directory only this user can enter (`mkdtemp` makes it 0700), holding the launched QEMU's
/// socket and log, so no other user can connect to the monitor or read what QEMU printed.
struct PrivateDirectory: Sendable {
  let path: String

  /// Made under `$TMPDIR` when that is short, else `/tmp`: a UNIX socket path must fit in
  /// about 107 bytes.
  init(environment: [String: String]) throws(ShellError) {
    var base = environment["TMPDIR"] ?? ""
    while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
    if base.isEmpty || base.utf8.count > 64 { base = "/tmp" }
    var template = Array("\(base)/qmp-shell.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    guard made != nil else {
      throw ShellError(
        .cannotConnect,
        "cannot create a private directory in \(base): \(String(cString: strerror(errno)))")
    }
    path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  func file(_ name: String) -> String { path + "/" + name }

  /// Deletes every entry (the socket, the log, anything QEMU was told to put there; the
  /// directory is flat) and then the directory. Best effort: there is nobody to report to.
  func remove() {
    if let stream = opendir(path) {
      while let entry = readdir(stream) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
          String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
        }
        if name == "." || name == ".." { continue }
        let full = file(name)
        if unlink(full) != 0 && errno == EISDIR { _ = rmdir(full) }
      }
      closedir(stream)
    }
    _ = rmdir(path)
  }
}
