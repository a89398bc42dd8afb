/// The text of `.help` and `.help COMMAND`.
public enum ShellHelp {
  /// The command syntax, as `.help` and `qmp-shell --help` show it.
  public static let syntax =
    """
    Commands, one per line:
      NAME [KEY=VALUE]...      device_add driver=e1000 id=net0
      {JSON}                   raw QMP command, may span lines
      transaction(             opens a block: one TYPE [KEY=VALUE]... per line,
      )                        closed by ')'; or transaction( TYPE k=v )
      # text                   comment (only at the start of a line)
    Values:
      "text"                   JSON string, escapes like \\n and \\u00e9
      'text'                   literal string
      42  -5  1.5  2e3         numbers (integers exact to 64 bits)
      true  false  null        booleans and null
      {'a': 1, "b": [None]}    JSON or Python-style object or array
      KEY=                     the empty string
      anything else            a string
      a.b=1 a.c=2              nested: {"a": {"b": 1, "c": 2}}
    With the server's schema, unquoted values take the argument's type
    (id=123 is "123" for a str; on/off/yes/no for a bool) and unknown
    names are reported before sending.
    Shell commands start with a dot:

    """
    + MetaCommand.summary.map { "  \($0.usage.padding(to: 25))\($0.purpose)" }
    .joined(separator: "\n")

  /// `.help` text: the syntax, or a command's arguments when a schema is known.
  public static func text(topic: String?, schema: QMPSchema?) -> String {
    guard let topic else { return syntax }
    guard let schema else {
      return "\(topic): no schema is known (dry run or guest agent), so arguments are not listed"
    }
    return schema.help(for: topic)
  }
}

extension String {
  fileprivate func padding(to width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}

extension QMPSchema {
  /// The arguments of `command`, one per line with type and whether it is optional; members
  /// of union variants say which tag value brings them in.
  public func help(for command: String) -> String {
    guard let signature = commands[command] else {
      var text = "unknown command \(command)"
      if let suggestion = Suggestion.closest(to: command, among: commands.keys) {
        text += "; did you mean \(suggestion)?"
      }
      return text
    }
    var lines = [command + (signature.allowsOutOfBand ? " (may run out-of-band)" : "")]
    var visiting: Set<String> = []
    appendHelp(type: signature.argumentType, prefix: "", into: &lines, visiting: &visiting)
    if lines.count == 1 { lines.append("  (no arguments)") }
    if Self.openCommands.contains(command) {
      lines.append("  ...and the properties of the chosen driver (checked by QEMU)")
    }
    return lines.joined(separator: "\n")
  }

  private func appendHelp(
    type: String, prefix: String, into lines: inout [String], visiting: inout Set<String>
  ) {
    guard visiting.insert(type).inserted, lines.count < 2000 else { return }
    defer { visiting.remove(type) }
    for (member, variant) in objectMembers(of: type) {
      var line = "  \(prefix)\(member.name): \(describe(member.type))"
      if member.optional { line += " (optional)" }
      if let variant { line += " [when \(prefix)\(variant)]" }
      lines.append(line)
      if case .object = types[member.type] {
        appendHelp(
          type: member.type, prefix: prefix + member.name + ".", into: &lines, visiting: &visiting)
      }
    }
  }
}
