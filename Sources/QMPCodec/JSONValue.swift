import OrderedCollections

/// A JSON object whose keys keep the order they were inserted or parsed in.
///
/// QMP replies are read by people: a reply printed with its keys shuffled (as Foundation's
/// `JSONSerialization` does) is harder to read and to diff, so order is part of the value.
public typealias JSONObject = OrderedDictionary<String, JSONValue>

/// A JSON value as QMP uses it.
///
/// Integers are kept exact over the whole `Int64` and `UInt64` range because QEMU sends both
/// (`18446744073709551615` appears in real replies). `.uint` is only used for values above
/// `Int64.max`: build integers with ``integer(_:)-(Int64)`` or ``integer(_:)-(UInt64)`` so
/// that equal numbers always have one representation.
public enum JSONValue: Sendable, Hashable {
  case null
  case bool(Bool)
  /// An integer that fits in `Int64`.
  case int(Int64)
  /// An integer above `Int64.max`.
  case uint(UInt64)
  /// A number with a fraction or an exponent, or an integer too large for 64 bits.
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object(JSONObject)

  /// The canonical representation of a signed integer.
  @inlinable
  public static func integer(_ value: Int64) -> JSONValue { .int(value) }

  /// The canonical representation of an unsigned integer: `.int` when it fits.
  @inlinable
  public static func integer(_ value: UInt64) -> JSONValue {
    value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
  }
}

extension JSONValue {
  /// The member `key` of an object; `nil` for a missing key or a value that is not an object.
  @inlinable
  public subscript(key: String) -> JSONValue? {
    if case .object(let object) = self { return object[key] }
    return nil
  }

  @inlinable
  public var stringValue: String? {
    if case .string(let string) = self { return string }
    return nil
  }

  @inlinable
  public var boolValue: Bool? {
    if case .bool(let bool) = self { return bool }
    return nil
  }

  @inlinable
  public var objectValue: JSONObject? {
    if case .object(let object) = self { return object }
    return nil
  }

  @inlinable
  public var arrayValue: [JSONValue]? {
    if case .array(let array) = self { return array }
    return nil
  }

  /// The value as `Int64` when it is an integer that fits.
  @inlinable
  public var int64Value: Int64? {
    switch self {
    case .int(let value): return value
    default: return nil
    }
  }

  /// The value as `UInt64` when it is a non-negative integer.
  @inlinable
  public var uint64Value: UInt64? {
    switch self {
    case .int(let value) where value >= 0: return UInt64(value)
    case .uint(let value): return value
    default: return nil
    }
  }

  /// The value as a `Double` for any JSON number.
  @inlinable
  public var doubleValue: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .uint(let value): return Double(value)
    case .double(let value): return value
    default: return nil
    }
  }

  @inlinable
  public var isNull: Bool {
    if case .null = self { return true }
    return false
  }

  /// A short name of the kind of value, for error messages ("expected an object, got a string").
  public var kindDescription: String {
    switch self {
    case .null: return "null"
    case .bool: return "a boolean"
    case .int, .uint: return "an integer"
    case .double: return "a number"
    case .string: return "a string"
    case .array: return "an array"
    case .object: return "an object"
    }
  }
}

extension JSONValue: ExpressibleByNilLiteral {
  @inlinable
  public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
  @inlinable
  public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
  @inlinable
  public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
  @inlinable
  public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
  @inlinable
  public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
  @inlinable
  public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
  /// Builds an object in the literal's order. A repeated key keeps its last value.
  @inlinable
  public init(dictionaryLiteral elements: (String, JSONValue)...) {
    var object = JSONObject(minimumCapacity: elements.count)
    for (key, value) in elements { object[key] = value }
    self = .object(object)
  }
}
