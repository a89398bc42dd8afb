import QMPCodec

/// How replies and events are rendered, decided once from the command line and the terminal.
public struct OutputOptions: Sendable, Hashable {
  /// Compact (one document per line, for scripts and `jq`) or pretty.
  public var style: JSONStyle
  /// ANSI colours for JSON, only when writing to a terminal that wants them.
  public var colors: JSONColors?
  /// `-r`: print only a successful reply's `return` value; a string as plain text.
  public var returnValueOnly: Bool
  /// Whether events go to the output at all (`--no-events` turns them off).
  public var showEvents: Bool
  /// HMP mode: `human-monitor-command` replies are the monitor's text, printed as text.
  public var hmpText: Bool
  /// Text from the peer (HMP output, plain return strings) goes to a terminal: control and
  /// escape sequences in it are made visible instead of being interpreted.
  public var escapeControlCharacters: Bool

  public init(
    style: JSONStyle = .compact,
    colors: JSONColors? = nil,
    returnValueOnly: Bool = false,
    showEvents: Bool = true,
    hmpText: Bool = false,
    escapeControlCharacters: Bool = false
  ) {
    self.style = style
    self.colors = colors
    self.returnValueOnly = returnValueOnly
    self.showEvents = showEvents
    self.hmpText = hmpText
    self.escapeControlCharacters = escapeControlCharacters
  }
}
