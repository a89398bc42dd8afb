/// What one interactive session looks like, decided from the command line.
public struct InteractiveOptions: Sendable {
  public var mode: CommandReader.Mode
  public var output: OutputOptions
  /// The history file; nil keeps no history.
  public var historyPath: String?
  /// Bounds each reply wait; nil waits until the reply comes or Ctrl-C.
  public var timeout: Duration?
  /// `-v`: show the JSON of each command before it is sent.
  public var echoCommands: Bool
  /// `-l FILE`: every message both ways, with time and direction.
  public var wireLog: WireLog?

  public init(
    mode: CommandReader.Mode = .qmp, output: OutputOptions = OutputOptions(),
    historyPath: String? = LineEditorConfiguration.defaultHistoryPath(), timeout: Duration? = nil,
    echoCommands: Bool = false
  ) {
    self.mode = mode
    self.output = output
    self.historyPath = historyPath
    self.timeout = timeout
    self.echoCommands = echoCommands
  }
}
