/// Writes the one-line messages for people: every diagnostic is one line on stderr starting
/// `qmp-shell: `, so stdout stays machine-readable and stderr is easy to grep.
public struct Diagnostics: Sendable {
  public let sink: OutputSink
  /// Peer text inside messages is escaped when stderr is a terminal.
  let escape: Bool
  /// Runs before every message: script mode writes its batched stdout there, so a reply
  /// still comes before the error about it when both streams go to one file.
  var beforeEmit: (@Sendable () -> Void)?

  public init(sink: OutputSink = .standardError) {
    self.sink = sink
    self.escape = sink.isTerminal
  }

  public func error(_ message: String) {
    emit(message)
  }

  /// An informational line, e.g. `-v`'s echo of what is sent.
  public func note(_ message: String) {
    emit(message)
  }

  public func warn(_ message: String) {
    emit("warning: " + message)
  }

  /// The same destination, with `action` run before each message.
  func flushing(first action: @escaping @Sendable () -> Void) -> Diagnostics {
    var copy = self
    copy.beforeEmit = action
    return copy
  }

  private func emit(_ message: String) {
    beforeEmit?()
    let text = escape ? TerminalText.sanitized(message) : message
    // One line, whatever the message holds.
    var line = Array("qmp-shell: ".utf8)
    for byte in text.utf8 {
      line.append(
        byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") ? UInt8(ascii: " ") : byte)
    }
    line.append(UInt8(ascii: "\n"))
    try? sink.write(line)
  }
}
