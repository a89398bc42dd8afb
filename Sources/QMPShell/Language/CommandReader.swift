import QMPCodec

/// The shell's command language, read one line at a time.
///
/// The REPL, the script runner and `--dry-run` all feed their lines here, so they accept
/// exactly the same input and report the same errors. A line is one of:
///
/// - blank, or a comment: first non-blank character `#` (a `#` later in a line is text);
/// - a meta-command for the shell: `.help [COMMAND]`, `.quit`, `.exit`;
/// - raw JSON: first non-blank character `{`; continues over lines until the value closes;
///   must have `execute` or `exec-oob`, may have `arguments` and `id`;
/// - a transaction: `transaction(` opens a block of actions `TYPE [KEY=VALUE]…`, one per
///   line, closed by `)`; `transaction( TYPE k=v )` is the one-line form;
/// - shorthand: `NAME [KEY=VALUE]…` (see ``ShorthandParser`` and ``ShorthandValue``);
/// - in HMP mode, any other line is an HMP command line (`cpu N` is kept locally).
///
/// Ids are never invented here: a command carries an id only if the user wrote one.
public struct CommandReader: Sendable {
  public enum Mode: Sendable, Hashable {
    /// Lines are QMP shorthand.
    case qmp
    /// Lines are HMP command lines sent through `human-monitor-command`.
    case hmp
  }

  public var mode: Mode
  /// The server's schema: types shorthand values and reports unknown names before sending.
  /// Without it (dry run, qemu-ga) values are typed by their form.
  public var schema: QMPSchema?
  /// The CPU chosen with HMP's `cpu N`; nil until then, so `cpu-index` is never sent before
  /// (a machine may have no CPU 0).
  public private(set) var cpuIndex: Int64?

  private enum State: Sendable {
    case ready
    case transaction(actions: [JSONValue], line: Int, column: Int)
    case json(
      buffer: [UInt8], line: Int, column: Int, lineStarts: [Int], scanner: JSONCompletionScanner)
  }
  private var state: State = .ready

  public init(mode: Mode = .qmp, schema: QMPSchema? = nil) {
    self.mode = mode
    self.schema = schema
  }

  /// The prompt for the next line.
  public var prompt: Prompt {
    switch state {
    case .ready: return .command
    case .transaction: return .transaction
    case .json: return .continuation
    }
  }

  /// Forgets a half-read transaction or JSON command (Ctrl-C in the REPL).
  public mutating func reset() { state = .ready }

  /// Reads line `number` (1-based; used in errors). A trailing `\n` or `\r\n` is ignored.
  /// After an error in a complete command or in a JSON continuation the reader is ready for
  /// a new command; an error in one action of a transaction leaves the transaction open.
  public mutating func read(_ line: String, number: Int) throws(CommandSyntaxError)
    -> ReadOutcome
  {
    var bytes = Array(line.utf8)
    while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
      bytes.removeLast()
    }
    if case .json(var buffer, let firstLine, _, var lineStarts, var scanner) = state {
      let start = buffer.count
      buffer.append(UInt8(ascii: "\n"))
      lineStarts.append(buffer.count)
      buffer.append(contentsOf: bytes)
      return try continueJSON(
        buffer: buffer, from: start, firstLine: firstLine, lineStarts: lineStarts,
        scanner: &scanner)
    }
    let start = ShorthandParser.skipBlanks(bytes, from: 0)
    if !isInTransaction, start < bytes.count, bytes[start] == UInt8(ascii: "{") {
      var scanner = JSONCompletionScanner()
      return try continueJSON(
        buffer: bytes, from: start, firstLine: number, lineStarts: [0], scanner: &scanner)
    }
    do {
      return try readLine(bytes, number: number)
    } catch {
      throw error.located(in: bytes, firstLine: number)
    }
  }

  /// Ends the input: an open transaction or unfinished JSON command is an error.
  public mutating func finish() throws(CommandSyntaxError) {
    defer { state = .ready }
    switch state {
    case .ready: return
    case .transaction(_, let line, let column):
      throw CommandSyntaxError(
        line: line, column: column,
        message: "transaction( is not closed: input ended before its ')'")
    case .json(_, let line, let column, _, _):
      throw CommandSyntaxError(
        line: line, column: column, message: "JSON command is not complete: input ended inside it")
    }
  }

  private mutating func readLine(_ bytes: [UInt8], number: Int) throws(LineError) -> ReadOutcome {
    let start = ShorthandParser.skipBlanks(bytes, from: 0)
    guard start < bytes.count else {
      return isInTransaction ? .needsMore(.transaction) : .nothing
    }
    switch bytes[start] {
    case UInt8(ascii: "#"):
      return isInTransaction ? .needsMore(.transaction) : .nothing
    case UInt8(ascii: "."):
      return .meta(try MetaCommand.parse(bytes, from: start))
    default: break
    }
    if case .transaction(let actions, let line, let column) = state {
      return try transactionLine(bytes, from: start, actions: actions, line: line, column: column)
    }
    if mode == .hmp { return try hmpLine(bytes, from: start) }
    if bytes[start...].starts(with: Self.transactionOpen) {
      let rest = start + Self.transactionOpen.count
      return try transactionLine(bytes, from: rest, actions: [], line: number, column: start + 1)
    }
    if bytes[start] == UInt8(ascii: "[") {
      throw LineError(start, "a JSON command must be an object {...}, not an array")
    }
    if bytes[start] == UInt8(ascii: ")") {
      throw LineError(start, "')' outside a transaction")
    }
    let parsed = try ShorthandParser.parse(bytes, from: start, allowClose: false)
    return .command(try command(from: parsed))
  }

  private var isInTransaction: Bool {
    if case .transaction = state { return true }
    return false
  }

  static let transactionOpen = Array("transaction(".utf8)

  // MARK: Shorthand

  private func command(from line: ShorthandLine) throws(LineError) -> QMPCommand {
    let name = line.name!  // the parser sets it when the line is not blank
    var builder = ArgumentBuilder(
      schema: nil, rootType: nil, acceptsUnknown: true, context: name)
    if let schema {
      guard let signature = schema.commands[name] else {
        var message = "unknown command \(name)"
        if let suggestion = Suggestion.closest(to: name, among: schema.commands.keys) {
          message += "; did you mean \(suggestion)?"
        }
        throw LineError(line.nameOffset, message)
      }
      builder.schema = schema
      builder.rootType = signature.argumentType
      builder.acceptsUnknown = QMPSchema.openCommands.contains(name)
    }
    let arguments = try builder.build(line.arguments)
    return QMPCommand(name, arguments: arguments.isEmpty ? nil : arguments)
  }

  // MARK: Transactions

  private mutating func transactionLine(
    _ bytes: [UInt8], from start: Int, actions: [JSONValue], line: Int, column: Int
  ) throws(LineError) -> ReadOutcome {
    if bytes[start...].starts(with: Self.transactionOpen) {
      throw LineError(start, "transaction( cannot be nested; close this one with ')' first")
    }
    if ShorthandParser.skipBlanks(bytes, from: start) < bytes.count,
      bytes[ShorthandParser.skipBlanks(bytes, from: start)] == UInt8(ascii: "{")
    {
      throw LineError(
        ShorthandParser.skipBlanks(bytes, from: start),
        "a transaction action is written TYPE [KEY=VALUE]…, not as JSON")
    }
    let parsed = try ShorthandParser.parse(bytes, from: start, allowClose: true)
    var actions = actions
    if parsed.name != nil {
      actions.append(try action(from: parsed))
    }
    guard let close = parsed.closeOffset else {
      state = .transaction(actions: actions, line: line, column: column)
      return .needsMore(.transaction)
    }
    guard !actions.isEmpty else {
      state = .ready
      throw LineError(close, "empty transaction: give at least one action before ')'")
    }
    state = .ready
    return .command(QMPCommand("transaction", arguments: ["actions": .array(actions)]))
  }

  private func action(from line: ShorthandLine) throws(LineError) -> JSONValue {
    let type = line.name!
    var builder = ArgumentBuilder(
      schema: nil, rootType: nil, acceptsUnknown: true, context: "transaction action \(type)")
    if let schema {
      switch schema.transactionActionDataType(type) {
      case .found(let dataType):
        builder.schema = schema
        builder.rootType = dataType
        builder.acceptsUnknown = false
      case .unknown(let candidates):
        var message = "unknown transaction action \(type)"
        if let suggestion = Suggestion.closest(to: type, among: candidates) {
          message += "; did you mean \(suggestion)?"
        }
        throw LineError(line.nameOffset, message)
      case .untyped, .notAnObject:
        break
      }
    }
    let data = try builder.build(line.arguments)
    return ["type": .string(type), "data": .object(data)]
  }

  // MARK: Raw JSON

  private mutating func continueJSON(
    buffer: [UInt8], from start: Int, firstLine: Int, lineStarts: [Int],
    scanner: inout JSONCompletionScanner
  ) throws(CommandSyntaxError) -> ReadOutcome {
    guard let end = scanner.scan(buffer, from: start) else {
      let objectStart = buffer.firstIndex(of: UInt8(ascii: "{")) ?? 0
      let column = String(decoding: buffer[..<objectStart], as: UTF8.self).count + 1
      state = .json(
        buffer: buffer, line: firstLine, column: column, lineStarts: lineStarts, scanner: scanner)
      return .needsMore(.continuation)
    }
    state = .ready
    let objectStart = buffer.firstIndex(of: UInt8(ascii: "{")) ?? 0
    do throws(LineError) {
      let trailing = ShorthandParser.skipBlanks(buffer, from: end)
      if trailing < buffer.count {
        throw LineError(trailing, "unexpected text after the JSON command")
      }
      let value: JSONValue
      do {
        value = try JSONValue(parsing: buffer[objectStart..<end])
      } catch let error as JSONParseError {
        throw LineError(objectStart + error.offset, "invalid JSON: \(error.reasonDescription)")
      } catch {
        throw LineError(objectStart, "invalid JSON: \(error)")
      }
      do {
        return .command(try QMPCommand(json: value))
      } catch {
        throw LineError(objectStart, "invalid QMP command: \(error)")
      }
    } catch {
      throw error.located(in: buffer, firstLine: firstLine, lineStarts: lineStarts)
    }
  }

  // MARK: HMP

  private mutating func hmpLine(_ bytes: [UInt8], from start: Int) throws(LineError)
    -> ReadOutcome
  {
    var end = bytes.count
    while end > start, isBlank(bytes[end - 1]) { end -= 1 }
    let text = String(decoding: bytes[start..<end], as: UTF8.self)
    let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
    if words.first == "cpu" {
      guard words.count == 2, let index = Int64(words[1]), index >= 0 else {
        throw LineError(start, "cpu takes one CPU index, a non-negative integer (cpu 1)")
      }
      cpuIndex = index
      return .nothing
    }
    var arguments: JSONObject = ["command-line": .string(text)]
    if let cpuIndex { arguments["cpu-index"] = .int(cpuIndex) }
    return .command(QMPCommand("human-monitor-command", arguments: arguments))
  }
}

extension QMPSchema {
  /// The type of a transaction action's `data`, found through `transaction`'s `actions`.
  func transactionActionDataType(_ action: String) -> MemberLookup {
    guard let transaction = commands["transaction"],
      case .found(let actionsType) = memberType(
        of: transaction.argumentType, named: "actions", tagValue: nil),
      case .array(let element) = types[actionsType],
      case .object(_, .some, let variants) = types[element]
    else { return .untyped }
    guard let variant = variants.first(where: { $0.value == action }) else {
      return .unknown(candidates: variants.map(\.value))
    }
    return memberType(of: variant.type, named: "data", tagValue: nil)
  }
}
