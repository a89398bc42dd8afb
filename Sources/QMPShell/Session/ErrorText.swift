import AsyncProtocol
import Glibc
import NIOCore
import NIOPosix

/// Short, human wording for errors that come from below the shell.
///
/// SwiftNIO's `IOError` reads like `connect(descriptor:addr:size:): No such file or directory)
/// (errno: 2)`; a user wants "No such file or directory". Everything else keeps its own
/// description.
enum ErrorText {
  static func describe(_ error: any Error) -> String {
    if let error = error as? IOError {
      return String(cString: strerror(error.errnoCode))
    }
    if let error = error as? ConnectError {
      return describe(error.underlying)
    }
    if let error = error as? NIOConnectionError {
      if let first = error.connectionErrors.first {
        return describe(first.error)
      }
      return "\(error)"
    }
    return "\(error)"
  }
}
