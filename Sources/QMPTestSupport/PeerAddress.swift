/// Where a test peer listens (or, for a QEMU monitor that dials out, where it connects).
///
/// The test-support target must not depend on the protocol module, so this is its own small
/// type; `description` is the textual form that the client's endpoint parser and the
/// `qmp-shell` command line accept ("/tmp/q.x/qmp.sock" or "127.0.0.1:4444").
public enum PeerAddress: Sendable, Hashable, CustomStringConvertible {
  case unix(path: String)
  case tcp(host: String, port: Int)

  public var description: String {
    switch self {
    case .unix(let path): return path
    case .tcp(let host, let port):
      return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
  }
}
