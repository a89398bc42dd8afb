import QMPCodec

/// Typing shorthand values by the schema.
extension QMPSchema {
  /// Where a member name leads.
  enum MemberLookup: Equatable {
    case found(String)
    /// The schema cannot tell (an `any`, an array, a union whose tag is not given and whose
    /// variants disagree): the value is typed by its form.
    case untyped
    /// No such member; `candidates` are the names that exist, for "did you mean".
    case unknown(candidates: [String])
    /// The parent is a scalar: it has no members at all.
    case notAnObject(String)
  }

  /// The type of member `name` of `type`. `tagValue` gives a union's tag value as written
  /// in the same command (nil when not given), which selects the variant.
  func memberType(of type: String, named name: String, tagValue: ((String) -> String?)?)
    -> MemberLookup
  {
    switch types[type] {
    case .object(let members, let tag, let variants):
      if let member = members.first(where: { $0.name == name }) { return .found(member.type) }
      var candidates = members.map(\.name)
      if let tag, let chosen = tagValue?(tag) {
        guard let variant = variants.first(where: { $0.value == chosen }) else { return .untyped }
        // The variant's own lookup; its tag (if any) is not visible from here.
        switch memberType(of: variant.type, named: name, tagValue: nil) {
        case .unknown(let more): candidates += more
        case let other: return other
        }
        return .unknown(candidates: candidates)
      }
      var found: Set<String> = []
      var untyped = false
      for variant in variants {
        switch memberType(of: variant.type, named: name, tagValue: nil) {
        case .found(let memberType): found.insert(memberType)
        case .untyped: untyped = true
        case .unknown(let more): candidates += more
        case .notAnObject: break
        }
      }
      if found.count == 1, !untyped { return .found(found.first!) }
      if !found.isEmpty || untyped { return .untyped }
      return .unknown(candidates: candidates)
    case .alternate(let options):
      let objects = options.filter { isObjectLike($0) }
      guard !objects.isEmpty else { return .notAnObject(describe(type)) }
      var candidates: [String] = []
      for option in objects {
        switch memberType(of: option, named: name, tagValue: tagValue) {
        case .unknown(let more): candidates += more
        case let other: return other
        }
      }
      return .unknown(candidates: candidates)
    case .builtin(name: "any"), .array, nil:
      return .untyped
    case .builtin, .enumeration:
      return .notAnObject(describe(type))
    }
  }

  func isObjectLike(_ type: String) -> Bool {
    switch types[type] {
    case .object, .builtin(name: "any"): return true
    case .alternate(let options): return options.contains { isObjectLike($0) }
    default: return false
    }
  }

  /// A short description of a type for messages and help: `str`, `int`, `bool`,
  /// `'a' | 'b'`, `array of int`, `object`, `str or null`.
  func describe(_ type: String, depth: Int = 0) -> String {
    switch types[type] {
    case .builtin(let name): return name
    case .enumeration(let values):
      let shown = values.prefix(8).map { "'\($0)'" }.joined(separator: " | ")
      return values.count > 8 ? shown + " | … (\(values.count) values)" : shown
    case .array(let element):
      return depth > 2 ? "array" : "array of \(describe(element, depth: depth + 1))"
    case .object: return "object"
    case .alternate(let options):
      return depth > 2
        ? "alternate" : options.map { describe($0, depth: depth + 1) }.joined(separator: " or ")
    case nil: return "value"
    }
  }

  /// Converts a shorthand value to `type`. Unquoted text takes the declared type (`123` for
  /// a `str` is `"123"`; `on`/`yes` for a `bool` is `true`); quoted strings and literals are
  /// already typed and only checked.
  func convert(_ value: ShorthandValue, to type: String) -> Result<JSONValue, Mismatch> {
    switch value {
    case .bare(let text):
      if let converted = convertText(text, to: type, depth: 0) { return .success(converted) }
      return .failure(Mismatch(expected: expectation(type), got: "'\(text)'"))
    case .quoted(let string):
      let json = JSONValue.string(string)
      if fits(json, type, depth: 0) { return .success(json) }
      return .failure(
        Mismatch(expected: expectation(type), got: "the quoted string \(json.serialized())"))
    case .literal(let json):
      if fits(json, type, depth: 0) { return .success(json) }
      return .failure(Mismatch(expected: expectation(type), got: json.kindDescription))
    }
  }

  struct Mismatch: Error {
    var expected: String
    var got: String
  }

  /// What a type accepts, in words: "an integer", "a boolean (true/false, on/off, yes/no)".
  func expectation(_ type: String, depth: Int = 0) -> String {
    switch types[type] {
    case .builtin("str"): return "a string"
    case .builtin("int"): return "an integer"
    case .builtin("number"): return "a number"
    case .builtin("bool"): return "a boolean (true/false, on/off, yes/no)"
    case .builtin("null"): return "null"
    case .builtin: return "a value"
    case .enumeration(let values):
      return "one of " + values.prefix(12).joined(separator: ", ")
        + (values.count > 12 ? ", … (\(values.count) values)" : "")
    case .array: return "an array [...]"
    case .object: return "an object {...} or dotted keys"
    case .alternate(let options):
      guard depth < 2 else { return "a value" }
      return options.map { expectation($0, depth: depth + 1) }.joined(separator: " or ")
    case nil: return "a value"
    }
  }

  private func convertText(_ text: String, to type: String, depth: Int) -> JSONValue? {
    switch types[type] {
    case .builtin("str"): return .string(text)
    case .builtin("int"): return Self.integer(text)
    case .builtin("number"):
      if let integer = Self.integer(text) { return integer }
      let bytes = Array(text.utf8)
      guard NumberText.scan(bytes, from: 0) == bytes.count, !bytes.isEmpty,
        let value = try? NumberText.value(bytes[...], offset: 0)
      else { return nil }
      return value
    case .builtin("bool"):
      switch text {
      case "true", "on", "yes": return .bool(true)
      case "false", "off", "no": return .bool(false)
      default: return nil
      }
    case .builtin("null"): return text == "null" ? .null : nil
    case .builtin("any"), nil:
      return try? ShorthandValue.bare(text).inferred(offset: 0)
    case .builtin: return nil
    case .enumeration(let values): return values.contains(text) ? .string(text) : nil
    case .array, .object: return nil
    case .alternate(let options):
      guard depth < 4 else { return nil }
      // QEMU tells an alternate's branches apart by JSON kind; unquoted text goes to the
      // most specific branch that accepts it: null, boolean, integer, number, enum, string.
      let order: [(SchemaType) -> Bool] = [
        { if case .builtin("null") = $0 { return true } else { return false } },
        { if case .builtin("bool") = $0 { return true } else { return false } },
        { if case .builtin("int") = $0 { return true } else { return false } },
        { if case .builtin("number") = $0 { return true } else { return false } },
        { if case .enumeration = $0 { return true } else { return false } },
        { if case .builtin("str") = $0 { return true } else { return false } },
        { if case .alternate = $0 { return true } else { return false } },
      ]
      for matches in order {
        for option in options {
          guard let optionType = types[option], matches(optionType) else { continue }
          if let value = convertText(text, to: option, depth: depth + 1) { return value }
        }
      }
      return nil
    }
  }

  /// Integers for `int` arguments: decimal (leading zeros allowed) or `0x` hexadecimal,
  /// optionally negative, exact over the Int64 and UInt64 ranges.
  static func integer(_ text: String) -> JSONValue? {
    var digits = Substring(text)
    let negative = digits.first == "-"
    if negative { digits = digits.dropFirst() }
    var radix = 10
    if digits.hasPrefix("0x") || digits.hasPrefix("0X") {
      radix = 16
      digits = digits.dropFirst(2)
    }
    guard !digits.isEmpty, digits.first != "+", digits.first != "-",
      let magnitude = UInt64(digits, radix: radix)
    else { return nil }
    if !negative { return .integer(magnitude) }
    if magnitude <= UInt64(Int64.max) { return .int(-Int64(magnitude)) }
    if magnitude == UInt64(Int64.max) + 1 { return .int(Int64.min) }
    return nil
  }

  /// Whether an already-typed value has the JSON kind `type` asks for (members of objects
  /// and elements of arrays are left to QEMU).
  func fits(_ value: JSONValue, _ type: String, depth: Int) -> Bool {
    switch (types[type], value) {
    case (nil, _), (.builtin("any"), _): return true
    case (.builtin("str"), .string): return true
    case (.builtin("int"), .int), (.builtin("int"), .uint): return true
    case (.builtin("number"), .int), (.builtin("number"), .uint), (.builtin("number"), .double):
      return true
    case (.builtin("bool"), .bool): return true
    case (.builtin("null"), .null): return true
    case (.enumeration(let values), .string(let string)): return values.contains(string)
    case (.array, .array): return true
    case (.object, .object): return true
    case (.alternate(let options), _):
      return depth < 4 && options.contains { fits(value, $0, depth: depth + 1) }
    default: return false
    }
  }
}
