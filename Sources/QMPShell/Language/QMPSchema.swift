import QMPCodec

/// What the server's `query-qmp-schema` says about its commands, for typing shorthand
/// arguments, reporting unknown names before sending, completion and `.help COMMAND`.
///
/// Build it once per session from the command's return value (an array of `SchemaInfo`
/// objects); it is immutable and cheap to share.
public struct QMPSchema: Sendable {
  let commands: [String: SchemaCommand]
  let types: [String: SchemaType]

  /// Commands that accept arguments the schema does not list. QEMU declares only `driver`,
  /// `bus` and `id` for `device_add`; the other properties depend on the driver and QEMU
  /// checks them itself.
  static let openCommands: Set<String> = ["device_add"]

  /// Builds the schema from `query-qmp-schema`'s `return` value. Entity kinds it does not
  /// know (a newer QEMU's) are skipped, not rejected.
  public init(json: JSONValue) throws(SchemaError) {
    guard let entities = json.arrayValue else {
      throw SchemaError("expected an array of SchemaInfo objects, got \(json.kindDescription)")
    }
    var commands: [String: SchemaCommand] = [:]
    var types: [String: SchemaType] = [:]
    for (position, entity) in entities.enumerated() {
      guard let name = entity["name"]?.stringValue, let meta = entity["meta-type"]?.stringValue
      else { throw SchemaError("entry \(position) has no name or meta-type") }
      func string(_ key: String) throws(SchemaError) -> String {
        guard let value = entity[key]?.stringValue else {
          throw SchemaError("\(meta) \(name) has no \(key)")
        }
        return value
      }
      switch meta {
      case "command":
        commands[name] = SchemaCommand(
          argumentType: try string("arg-type"),
          allowsOutOfBand: entity["allow-oob"]?.boolValue ?? false)
      case "builtin":
        types[name] = .builtin(name: name)
      case "enum":
        let values = entity["values"]?.arrayValue?.compactMap(\.stringValue) ?? []
        types[name] = .enumeration(values: values)
      case "array":
        types[name] = .array(element: try string("element-type"))
      case "object":
        var members: [SchemaMember] = []
        for member in entity["members"]?.arrayValue ?? [] {
          guard let memberName = member["name"]?.stringValue,
            let memberType = member["type"]?.stringValue
          else { throw SchemaError("object \(name) has a member without name or type") }
          // An optional member carries `"default": null`; a required one has no `default`.
          let optional = member.objectValue?.keys.contains("default") ?? false
          members.append(SchemaMember(name: memberName, type: memberType, optional: optional))
        }
        var variants: [(value: String, type: String)] = []
        for variant in entity["variants"]?.arrayValue ?? [] {
          guard let value = variant["case"]?.stringValue, let type = variant["type"]?.stringValue
          else { throw SchemaError("object \(name) has a variant without case or type") }
          variants.append((value, type))
        }
        types[name] = .object(
          members: members, tag: entity["tag"]?.stringValue, variants: variants)
      case "alternate":
        let options = entity["members"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
        types[name] = .alternate(types: options)
      default:
        continue  // events, and kinds a later QEMU may add
      }
    }
    self.commands = commands
    self.types = types
  }

  /// Builds the schema from a saved file's bytes: either the `return` array itself or the
  /// whole reply `{"return": [...]}`.
  public init(contentsOf bytes: [UInt8]) throws(SchemaError) {
    let value: JSONValue
    do {
      value = try JSONValue(parsing: bytes)
    } catch {
      throw SchemaError("\(error)")
    }
    try self.init(json: value["return"] ?? value)
  }

  /// Every command name, sorted.
  public var commandNames: [String] { commands.keys.sorted() }

  public func hasCommand(_ name: String) -> Bool { commands[name] != nil }

  /// The argument names of `command`, nested members as dotted paths (`file.filename`),
  /// including every union variant's members; nil for an unknown command.
  public func argumentNames(of command: String) -> [String]? {
    guard let signature = commands[command] else { return nil }
    var names: [String] = []
    var visiting: Set<String> = []
    collectPaths(type: signature.argumentType, prefix: "", into: &names, visiting: &visiting)
    return names
  }

  /// The values an enum or boolean argument accepts (`argument` may be a dotted path); nil
  /// when the argument is unknown or has no fixed set of values.
  public func enumValues(of command: String, argument: String) -> [String]? {
    guard commands[command] != nil else { return nil }
    let values = completions(
      for: .argumentValue(.command(command), key: argument, prefix: ""))
    return values.isEmpty ? nil : values
  }

  func collectCompletionValues(_ type: String, into values: inout [String], depth: Int) {
    guard depth < 4 else { return }
    switch types[type] {
    case .enumeration(let options): values.append(contentsOf: options)
    case .builtin(name: "bool"): values.append(contentsOf: ["true", "false"])
    case .alternate(let options):
      for option in options { collectCompletionValues(option, into: &values, depth: depth + 1) }
    default: break
    }
  }

  /// The members of an object type (base and variants), through alternates' object branches.
  func objectMembers(of type: String) -> [(member: SchemaMember, variant: String?)] {
    switch types[type] {
    case .object(let members, let tag, let variants):
      var result = members.map { (member: $0, variant: String?.none) }
      for variant in variants {
        for inner in objectMembers(of: variant.type) {
          let condition = "\(tag ?? "?")=\(variant.value)"
          result.append((inner.member, inner.variant.map { "\(condition), \($0)" } ?? condition))
        }
      }
      return result
    case .alternate(let options):
      return options.flatMap { objectMembers(of: $0) }
    default:
      return []
    }
  }

  func collectPaths(
    type: String, prefix: String, into names: inout [String], visiting: inout Set<String>
  ) {
    guard visiting.insert(type).inserted else { return }  // recursive types (e.g. BlockdevRef)
    defer { visiting.remove(type) }
    var seen: Set<String> = []
    for (member, _) in objectMembers(of: type) where seen.insert(member.name).inserted {
      let path = prefix + member.name
      names.append(path)
      collectPaths(type: member.type, prefix: path + ".", into: &names, visiting: &visiting)
    }
  }
}
