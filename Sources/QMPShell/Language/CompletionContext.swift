/// What the word under the cursor is, for tab completion: found from the text before the
/// cursor with the same rules as the reader, so completion never offers what the reader
/// would then reject. Values are completed after the `=` (the line editor splits words at
/// blanks and `=`); argument names are completed whole, dotted paths included, ending in `=`.
public enum CompletionContext: Sendable, Hashable {
  /// Where argument names come from.
  public enum Scope: Sendable, Hashable {
    case command(String)
    /// An action inside a `transaction(` block: names come from its `data`.
    case transactionAction(String)
  }

  /// The first word of a line: a command name (or `transaction(`).
  case commandName(prefix: String)
  /// A word starting with `.`.
  case metaCommand(prefix: String)
  /// The first word of a line inside a `transaction(` block.
  case actionType(prefix: String)
  /// A `KEY` being typed; `present` are the keys already on the line.
  case argumentName(Scope, prefix: String, present: [String])
  /// A value after `KEY=`.
  case argumentValue(Scope, key: String, prefix: String)
  /// Nothing to offer: inside quotes or a literal, raw JSON, a line that does not parse.
  case nothing

  /// Analyses `text`, the line up to the cursor; `prompt` is the reader's current prompt.
  public init(before text: String, prompt: Prompt, mode: CommandReader.Mode = .qmp) {
    self = .nothing
    guard prompt != .continuation else { return }
    let bytes = Array(text.utf8)
    var start = ShorthandParser.skipBlanks(bytes, from: 0)
    var inTransaction = prompt == .transaction
    if start < bytes.count, bytes[start] == UInt8(ascii: ".") {
      if !bytes[start...].contains(where: isBlank) {
        self = .metaCommand(prefix: String(decoding: bytes[start...], as: UTF8.self))
      }
      return
    }
    if mode == .hmp { return }
    if !inTransaction, bytes[start...].starts(with: CommandReader.transactionOpen) {
      start += CommandReader.transactionOpen.count
      inTransaction = true
      guard start < bytes.count, isBlank(bytes[start]) else { return }
    }
    // The word being typed runs from the last blank; everything before it must parse.
    var wordStart = bytes.count
    while wordStart > start, !isBlank(bytes[wordStart - 1]) { wordStart -= 1 }
    let word = String(decoding: bytes[wordStart...], as: UTF8.self)
    guard
      let before = try? ShorthandParser.parse(
        Array(bytes[..<wordStart]), from: start, allowClose: false)
    else { return }
    guard let name = before.name else {
      if word.hasPrefix("{") || word.hasPrefix("[") { return }
      self = inTransaction ? .actionType(prefix: word) : .commandName(prefix: word)
      return
    }
    let scope: Scope = inTransaction ? .transactionAction(name) : .command(name)
    guard let equals = word.firstIndex(of: "=") else {
      self = .argumentName(scope, prefix: word, present: before.arguments.map(\.key))
      return
    }
    let value = word[word.index(after: equals)...]
    if let first = value.first, "\"'{[".contains(first) { return }
    self = .argumentValue(scope, key: String(word[..<equals]), prefix: String(value))
  }
}

extension QMPSchema {
  /// The words that complete `context`, sorted; argument names end with `=`.
  public func completions(for context: CompletionContext) -> [String] {
    switch context {
    case .nothing: return []
    case .metaCommand(let prefix):
      return [".exit", ".help", ".quit"].filter { $0.hasPrefix(prefix) }
    case .commandName(let prefix):
      var names = commandNames.filter { $0.hasPrefix(prefix) }
      if "transaction(".hasPrefix(prefix) { names.append("transaction(") }
      return names.sorted()
    case .actionType(let prefix):
      return transactionActionTypes.filter { $0.hasPrefix(prefix) }
    case .argumentName(let scope, let prefix, let present):
      let names = argumentNames(inScope: scope) ?? []
      return names.filter { $0.hasPrefix(prefix) && !present.contains($0) }.map { $0 + "=" }
        .sorted()
    case .argumentValue(let scope, let key, let prefix):
      guard let type = argumentType(in: scope, path: key) else { return [] }
      var values: [String] = []
      collectCompletionValues(type, into: &values, depth: 0)
      return values.filter { $0.hasPrefix(prefix) }
    }
  }

  /// The action types `transaction` accepts, sorted.
  public var transactionActionTypes: [String] {
    guard let transaction = commands["transaction"],
      case .found(let actionsType) = memberType(
        of: transaction.argumentType, named: "actions", tagValue: nil),
      case .array(let element) = types[actionsType],
      case .object(_, .some, let variants) = types[element]
    else { return [] }
    return variants.map(\.value).sorted()
  }

  private func rootType(of scope: CompletionContext.Scope) -> String? {
    switch scope {
    case .command(let name): return commands[name]?.argumentType
    case .transactionAction(let action):
      if case .found(let type) = transactionActionDataType(action) { return type }
      return nil
    }
  }

  private func argumentNames(inScope scope: CompletionContext.Scope) -> [String]? {
    guard let root = rootType(of: scope) else { return nil }
    var names: [String] = []
    var visiting: Set<String> = []
    collectPaths(type: root, prefix: "", into: &names, visiting: &visiting)
    return names
  }

  private func argumentType(in scope: CompletionContext.Scope, path: String) -> String? {
    guard var type = rootType(of: scope) else { return nil }
    for part in path.split(separator: ".", omittingEmptySubsequences: false) {
      guard case .found(let next) = memberType(of: type, named: String(part), tagValue: nil)
      else { return nil }
      type = next
    }
    return type
  }
}
