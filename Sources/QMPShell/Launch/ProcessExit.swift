import Glibc

/// How a child process ended, decoded from `waitpid`'s status.
public enum ProcessExit: Sendable, Hashable, CustomStringConvertible {
  /// It called `exit` with this status.
  case exited(Int32)
  /// A signal ended it.
  case signalled(Int32)

  init(waitStatus status: Int32) {
    let signal = status & 0x7F
    self = signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal)
  }

  /// "exited with status 1", "was killed by signal 9 (Killed)".
  public var description: String {
    switch self {
    case .exited(let code):
      return "exited with status \(code)"
    case .signalled(let number):
      guard let name = strsignal(number) else { return "was killed by signal \(number)" }
      return "was killed by signal \(number) (\(String(cString: name)))"
    }
  }
}
