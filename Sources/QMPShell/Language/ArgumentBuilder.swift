import QMPCodec

/// Turns `KEY=VALUE` tokens into an arguments object: dotted keys nest, every key is set
/// once, and with a schema every value takes its argument's declared type.
struct ArgumentBuilder {
  /// The schema and the arguments type to check against; nil types values by their form.
  var schema: QMPSchema?
  var rootType: String?
  /// Whether names the schema does not list are let through (`device_add`'s properties).
  var acceptsUnknown: Bool
  /// Names the command in messages: `set_link`, `transaction action abort`.
  var context: String

  /// Where each key path stands: set to a value, or a parent of dotted keys.
  private enum Role { case leaf, parent }

  func build(_ arguments: [ShorthandArgument]) throws(LineError) -> JSONObject {
    var roles: [Substring: Role] = [:]
    roles.reserveCapacity(arguments.count * 2)
    // Raw texts by key, for union tags (`driver=file` selects the variant of `filename`).
    var texts: [Substring: String] = [:]
    for argument in arguments {
      let key = Substring(argument.key)
      var dot = key.startIndex
      while let next = key[dot...].firstIndex(of: ".") {
        let parent = key[..<next]
        if roles[parent] == .leaf {
          throw LineError(
            argument.keyOffset,
            "\(parent) is set to a value, so \(key) cannot add a member to it")
        }
        roles[parent] = .parent
        dot = key.index(after: next)
      }
      switch roles[key] {
      case .leaf: throw LineError(argument.keyOffset, "\(key) is set twice")
      case .parent:
        throw LineError(
          argument.keyOffset, "\(key) already has dotted members, so it cannot be set to a value")
      case nil: roles[key] = .leaf
      }
      switch argument.value {
      case .bare(let text), .quoted(let text): texts[key] = text
      case .literal: break
      }
    }

    var result = JSONObject()
    for argument in arguments {
      let value = try typedValue(argument, texts: texts)
      let path = argument.key.split(separator: ".")
      Self.insert(value, at: path[...], into: &result)
    }
    return result
  }

  private func typedValue(_ argument: ShorthandArgument, texts: [Substring: String])
    throws(LineError) -> JSONValue
  {
    guard let schema, let rootType else {
      return try argument.value.inferred(offset: argument.valueOffset)
    }
    var type = rootType
    var prefix = ""
    for part in argument.key.split(separator: ".") {
      let name = String(part)
      let tagValue: (String) -> String? = { tag in texts[Substring(prefix + tag)] }
      switch schema.memberType(of: type, named: name, tagValue: tagValue) {
      case .found(let next):
        type = next
        prefix += name + "."
      case .untyped:
        return try argument.value.inferred(offset: argument.valueOffset)
      case .unknown(let candidates):
        if acceptsUnknown && prefix.isEmpty {
          return try argument.value.inferred(offset: argument.valueOffset)
        }
        let shownPrefix = prefix
        var message = "\(context) has no argument \(prefix + name)"
        if candidates.isEmpty {
          message += prefix.isEmpty ? " (it takes no arguments)" : ""
        } else if let suggestion = Suggestion.closest(to: name, among: candidates) {
          message += "; did you mean \(shownPrefix + suggestion)?"
        }
        throw LineError(argument.keyOffset, message)
      case .notAnObject(let description):
        throw LineError(
          argument.keyOffset,
          "\(prefix.dropLast()) is \(description), it has no member \(name)")
      }
    }
    switch schema.convert(argument.value, to: type) {
    case .success(let value): return value
    case .failure(let mismatch):
      var message = "\(argument.key) expects \(mismatch.expected), got \(mismatch.got)"
      if case .bare(let text) = argument.value,
        let values = schema.enumValues(ofType: type),
        let suggestion = Suggestion.closest(to: text, among: values)
      {
        message += "; did you mean \(suggestion)?"
      }
      throw LineError(argument.valueOffset, message)
    }
  }

  /// Sets `path` in `object`, creating parents. Roles were checked, so parents are objects.
  private static func insert(
    _ value: JSONValue, at path: ArraySlice<Substring>, into object: inout JSONObject
  ) {
    let key = String(path.first!)
    if path.count == 1 {
      object[key] = value
      return
    }
    var child: JSONObject
    if case .object(let existing) = object[key] {
      child = existing
      object[key] = .null  // drop the second reference so the update below is in place
    } else {
      child = JSONObject()
    }
    insert(value, at: path.dropFirst(), into: &child)
    object[key] = .object(child)
  }
}

extension QMPSchema {
  /// The values of an enum type (through alternates), for "did you mean".
  func enumValues(ofType type: String) -> [String]? {
    switch types[type] {
    case .enumeration(let values): return values
    case .alternate(let options):
      let values = options.compactMap { enumValues(ofType: $0) }.flatMap { $0 }
      return values.isEmpty ? nil : values
    default: return nil
    }
  }
}
