#if canImport(Glibc)
  import Glibc
#endif

/// Why the history file could not be used. The editor keeps working without persistence and
/// shows this once, so a broken history file never stops the shell.
public enum HistoryFileError: Error, Equatable, CustomStringConvertible {
  case unreadable(path: String, errno: Int32)
  case unwritable(path: String, errno: Int32)

  public var description: String {
    switch self {
    case .unreadable(let path, let code):
      return "cannot read history file \(path): \(String(cString: strerror(code)))"
    case .unwritable(let path, let code):
      return "cannot write history file \(path): \(String(cString: strerror(code)))"
    }
  }
}
