/// A failure that ends a shell run: a one-line message for stderr and the exit status that
/// tells a script what kind of failure it was.
public struct ShellError: Error, Sendable, Hashable, CustomStringConvertible {
  public var status: ExitStatus
  public var message: String

  public init(_ status: ExitStatus, _ message: String) {
    self.status = status
    self.message = message
  }

  public var description: String { message }
}
