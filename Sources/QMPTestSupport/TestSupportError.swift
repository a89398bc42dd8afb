/// A test peer could not be set up or started.
public struct TestSupportError: Error, CustomStringConvertible, Sendable {
  public var description: String

  public init(_ description: String) {
    self.description = description
  }
}
