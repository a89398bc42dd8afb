/// The process exit statuses, one per kind of outcome, so a CI script can tell what happened
/// without parsing stderr. Documented in `--help` and the man page; never renumber them.
public enum ExitStatus: Int32, Sendable, Hashable, CaseIterable {
  /// Every command succeeded (and the awaited event, if any, arrived).
  case success = 0
  /// A command returned a QMP error reply.
  case commandFailed = 1
  /// Bad command-line usage, or a command line that cannot be parsed.
  case usage = 2
  /// The connection could not be made, or the greeting or negotiation failed.
  case cannotConnect = 3
  /// The connection was lost before the work was done.
  case connectionLost = 4
  /// A reply or the awaited event did not come in time.
  case timeout = 5
  /// Interrupted by SIGINT (or ended by SIGTERM/SIGHUP).
  case interrupted = 130

  /// One line per status, for `--help` and the man page.
  public var summary: String {
    switch self {
    case .success: return "success"
    case .commandFailed: return "a command returned a QMP error"
    case .usage: return "usage error, or a command that cannot be parsed"
    case .cannotConnect: return "cannot connect, or the greeting or negotiation failed"
    case .connectionLost: return "the connection was lost before the work was done"
    case .timeout: return "a reply or the awaited event timed out"
    case .interrupted: return "interrupted"
    }
  }
}
