import QMPCodec

/// Renders replies and events as the bytes the user sees.
///
/// Everything that reaches stdout passes through here, so script mode's promise (one JSON
/// document per line, or plain text with `-r`/`-H`) is kept in one place.
public struct MessageFormatter: Sendable {
  public var options: OutputOptions

  public init(options: OutputOptions) {
    self.options = options
  }

  /// Appends an event, or nothing when events are not shown.
  public func append(event: QMPEvent, to out: inout [UInt8]) {
    guard options.showEvents else { return }
    appendAlways(event: event, to: &out)
  }

  /// Appends an event even when events are not shown (the one `--wait-event` waited for).
  /// Plain compact output copies the text the decoder already made (``QMPEvent/compactJSON``,
  /// the same bytes the serializer would write) instead of serialising a tree.
  public func appendAlways(event: QMPEvent, to out: inout [UInt8]) {
    // `case .none` rather than `== nil`: the comparison copied and destroyed the colours
    // for every event of a flood.
    if options.style == .compact, case .none = options.colors,
      event.withCompactJSON({ out.append(contentsOf: $0) }) != nil
    {
      out.append(UInt8(ascii: "\n"))
    } else {
      appendJSON(event.json, to: &out)
    }
  }

  /// Appends a reply. An error reply is printed as JSON unless only return values are wanted
  /// (the caller reports it on stderr either way).
  public func append(reply: QMPReply, to out: inout [UInt8]) {
    switch reply.result {
    case .success(let value):
      if options.hmpText, let text = value.stringValue {
        appendText(text, to: &out)
      } else if options.returnValueOnly {
        if let text = value.stringValue {
          appendText(text, to: &out)
        } else {
          appendJSON(value, to: &out)
        }
      } else {
        appendJSON(reply.json, to: &out)
      }
    case .failure:
      if !options.returnValueOnly && !options.hmpText {
        appendJSON(reply.json, to: &out)
      }
    }
  }

  /// Appends any JSON document followed by a newline.
  public func appendJSON(_ value: JSONValue, to out: inout [UInt8]) {
    value.write(to: &out, style: options.style, colors: options.colors)
    out.append(UInt8(ascii: "\n"))
  }

  /// Appends peer text with QEMU's `\r\n` line ends turned into `\n`, ending in one newline
  /// (none for empty text: an HMP command with no output prints nothing). On a terminal,
  /// control sequences are made visible by ``TerminalText/sanitized(_:)``.
  public func appendText(_ text: String, to out: inout [UInt8]) {
    guard !text.isEmpty else { return }
    // "\r\n" is a single Character, so this replaces exactly QEMU's line ends.
    let shown =
      options.escapeControlCharacters
      ? TerminalText.sanitized(text) : text.replacing("\r\n", with: "\n")
    out.append(contentsOf: shown.utf8)
    if out.last != UInt8(ascii: "\n") { out.append(UInt8(ascii: "\n")) }
  }
}
