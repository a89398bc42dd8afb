import QMPCodec

/// Which events a listener wants: by name, by data members, by any predicate (all must hold).
public struct EventFilter: Sendable {
  /// Event names to accept; nil accepts every name.
  public var names: Set<String>? {
    didSet { onlyName = Self.onlyName(of: names) }
  }
  /// The one name when `names` holds exactly one (`--wait-event NAME`, checked against every
  /// event of a flood): compared directly, where `Set.first` or hashing cost more per event.
  private var onlyName: String?
  /// Members the event's `data` must have, as `(key, value)` pairs. A key with dots
  /// (`"a.b"`) looks into nested objects when there is no member of that exact name. A string
  /// value also matches a number or boolean whose JSON text is that string, so `KEY=VALUE`
  /// typed at a prompt (`id=3`, `enabled=true`) matches without type annotations.
  public var data: [(key: String, value: JSONValue)]
  /// Any further test.
  public var predicate: (@Sendable (QMPEvent) -> Bool)?

  public init(
    names: Set<String>? = nil, data: [(key: String, value: JSONValue)] = [],
    predicate: (@Sendable (QMPEvent) -> Bool)? = nil
  ) {
    self.names = names
    self.onlyName = Self.onlyName(of: names)
    self.data = data
    self.predicate = predicate
  }

  /// Every event.
  public static let all = EventFilter()

  /// Events called `name` whose data has the given members.
  public static func name(_ name: String, data: [(key: String, value: JSONValue)] = [])
    -> EventFilter
  {
    EventFilter(names: [name], data: data)
  }

  /// Events with any of these names.
  public static func names(_ names: Set<String>) -> EventFilter {
    EventFilter(names: names)
  }

  /// Events for which `predicate` holds.
  public static func matching(_ predicate: @escaping @Sendable (QMPEvent) -> Bool) -> EventFilter {
    EventFilter(predicate: predicate)
  }

  public func matches(_ event: QMPEvent) -> Bool {
    if let onlyName {
      guard onlyName == event.name else { return false }
    } else if let names, !names.contains(event.name) {
      return false
    }
    for (key, expected) in data {
      guard let actual = Self.member(key, of: event.data), Self.same(actual, expected) else {
        return false
      }
    }
    if let predicate, !predicate(event) { return false }
    return true
  }

  private static func onlyName(of names: Set<String>?) -> String? {
    guard let names, names.count == 1 else { return nil }
    return names.first
  }

  private static func member(_ key: String, of data: JSONValue?) -> JSONValue? {
    guard let data else { return nil }
    if let exact = data[key] { return exact }
    guard key.contains(".") else { return nil }
    var current: JSONValue? = data
    for part in key.split(separator: ".", omittingEmptySubsequences: false) {
      current = current?[String(part)]
    }
    return current
  }

  private static func same(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
    if actual == expected { return true }
    guard case .string(let text) = expected else { return false }
    switch actual {
    case .int, .uint, .double, .bool, .null: return actual.serialized() == text
    default: return false
    }
  }
}
