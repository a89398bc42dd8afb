import Foundation

/// A private directory with a short path under /tmp, for sockets, pid files and logs.
///
/// UNIX socket paths are limited to about 107 bytes, so the directory is `/tmp/q.XXXXXX`
/// rather than something under the (long) system temporary directory.
public struct TemporaryDirectory: Sendable {
  public let path: String

  /// Creates a fresh directory only this user can read.
  public init(prefix: String = "q") throws {
    var template = Array("/tmp/\(prefix).XXXXXX".utf8CString)
    let created = template.withUnsafeMutableBufferPointer { buffer in
      mkdtemp(buffer.baseAddress!)
    }
    guard created != nil else {
      throw TestSupportError(
        "cannot create a temporary directory: \(String(cString: strerror(errno)))")
    }
    path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
  }

  /// The path of `name` inside the directory.
  public func file(_ name: String) -> String { path + "/" + name }

  /// Deletes the directory and everything in it; errors are ignored (best effort cleanup).
  public func remove() {
    try? FileManager.default.removeItem(atPath: path)
  }
}

/// Runs `body` with a fresh temporary directory that is removed afterwards, even on error.
public func withTemporaryDirectory<R>(
  prefix: String = "q",
  _ body: (TemporaryDirectory) async throws -> R
) async throws -> R {
  let directory = try TemporaryDirectory(prefix: prefix)
  defer { directory.remove() }
  return try await body(directory)
}
