/// One entity of QEMU's introspection schema (`SchemaInfo` in `query-qmp-schema`).
///
/// QEMU masks the names of non-builtin types as numbers ("49", "[142]"), so types are only
/// reachable through commands; the names are internal keys and never shown to users.
enum SchemaType: Sendable {
  /// `str`, `int`, `number`, `bool`, `null` or `any` (`jsonType` is QEMU's `json-type`).
  case builtin(name: String)
  case enumeration(values: [String])
  case array(element: String)
  /// An object; a union when `tag` is set: `variants` maps the tag's value to the type
  /// whose members are added to `members`.
  case object(members: [SchemaMember], tag: String?, variants: [(value: String, type: String)])
  /// A value of any one of these types; QEMU picks by JSON kind.
  case alternate(types: [String])
}

/// An object member.
struct SchemaMember: Sendable {
  var name: String
  var type: String
  var optional: Bool
}

/// A command's signature.
struct SchemaCommand: Sendable {
  var argumentType: String
  var allowsOutOfBand: Bool
}
