#if canImport(Glibc)
  import Glibc
#endif

/// Why the line editor could not start or keep running.
public enum LineEditorError: Error, Equatable, CustomStringConvertible {
  /// GNU readline has one global state: only one editor can run at a time in a process.
  case alreadyRunning
  /// The wake-up or signal pipe could not be created (usually: out of file descriptors).
  case pipeUnavailable(errno: Int32)
  /// `poll()` on the terminal failed for a reason other than a signal.
  case pollFailed(errno: Int32)

  public var description: String {
    switch self {
    case .alreadyRunning:
      return "a line editor is already running in this process (readline is process-wide)"
    case .pipeUnavailable(let code):
      return "cannot create the line editor's pipe: \(String(cString: strerror(code)))"
    case .pollFailed(let code):
      return "cannot wait for terminal input: \(String(cString: strerror(code)))"
    }
  }
}
