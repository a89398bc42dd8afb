/// A `query-qmp-schema` result that does not have the expected shape.
public struct SchemaError: Error, Sendable, Hashable, CustomStringConvertible {
  public var message: String

  public init(_ message: String) { self.message = message }

  public var description: String { "invalid QMP schema: \(message)" }
}
