import QMPClient

/// What one script-mode run does, decided from the command line.
public struct ScriptOptions: Sendable {
  public var source: ScriptSource
  public var mode: CommandReader.Mode
  /// Bounds each reply wait and the `--wait-event` wait; nil waits as long as the connection
  /// lasts.
  public var timeout: Duration?
  /// `-k`: run every command; the exit status is still the first failure's.
  public var keepGoing: Bool
  /// `--wait-event NAME --match K=V…`: after the commands, wait for the first matching event
  /// (counted from connect time, so one the commands caused is never missed).
  public var waitEvent: EventWait?
  public var output: OutputOptions
  /// Type shorthand values by the server's schema, fetched once when a line first needs it.
  public var usesSchema: Bool
  /// `-v`: each command's JSON, as sent, on stderr (stdout keeps only the messages).
  public var echoCommands: Bool = false
  /// `-l FILE`: every message both ways, with time and direction.
  public var wireLog: WireLog?

  public init(
    source: ScriptSource, mode: CommandReader.Mode = .qmp, timeout: Duration? = nil,
    keepGoing: Bool = false, waitEvent: EventWait? = nil, output: OutputOptions = OutputOptions(),
    usesSchema: Bool = true
  ) {
    self.source = source
    self.mode = mode
    self.timeout = timeout
    self.keepGoing = keepGoing
    self.waitEvent = waitEvent
    self.output = output
    self.usesSchema = usesSchema
  }
}

/// An event to wait for: its name (for messages) and the filter that recognises it.
public struct EventWait: Sendable {
  public var name: String
  public var filter: EventFilter

  public init(name: String, filter: EventFilter) {
    self.name = name
    self.filter = filter
  }
}
