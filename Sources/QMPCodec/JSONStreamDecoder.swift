/// Frames a byte stream into top-level JSON values, as they arrive in chunks of any size.
///
/// Framing is by JSON value, not by line: QEMU with `pretty=on` sends objects over many lines,
/// and a 10 MB reply arrives in many reads. Each byte is scanned once: the scan state (nesting
/// depth, inside a string, after a backslash) is kept between chunks, so a big message that
/// arrives in small pieces costs linear time. A complete message is then parsed strictly,
/// straight from the buffer.
///
/// Between messages, whitespace (including `\r\n`) is skipped. A 0xFF byte anywhere is a
/// reset marker (qemu-ga's sync sentinel): it is reported as ``JSONStreamItem/resetMarker``.
/// A top-level value other than an object, array or string (a bare number or literal) ends at
/// the next whitespace, `{`, `[`, `"` or 0xFF.
///
/// Recovery from a malformed message. A message whose brackets balance but whose JSON is bad
/// is reported and skipped: the next message starts right after it. When the framing itself
/// breaks, the decoder resynchronises at the first of:
/// - a raw newline inside a string (never valid JSON; QEMU escapes it): the message is
///   reported, and decoding resumes after that newline;
/// - a `{` at the start of a line (right after `\n`) while an object is still open: the
///   unfinished message is reported and the `{` starts a new one. QEMU writes one message per
///   line, and its pretty output indents everything but the top level, so this is where the
///   next message starts after a truncated one;
/// - a 0xFF byte: the unfinished message is reported, then the reset marker.
/// Bytes at the top level that are not JSON (a stray `}`) are reported as a malformed token.
///
/// A message longer than ``maximumMessageSize`` is reported as soon as that is known; its
/// bytes are dropped as they arrive (memory stays bounded) and decoding resumes after it.
public struct JSONStreamDecoder: Sendable {
  /// The largest message, in bytes, that is buffered and parsed.
  public let maximumMessageSize: Int
  /// The nesting limit handed to the parser.
  public let maximumDepth: Int

  private enum Mode: Sendable {
    /// Between messages.
    case between
    /// Inside an array, object or top-level string.
    case container
    /// Inside a top-level number or literal (or junk).
    case scalar
  }

  private enum ScanEvent {
    /// Every byte was scanned; no message ended.
    case needMore
    /// The message `messageStart..<end` is complete.
    case complete(end: Int)
    /// The message `messageStart..<end` cannot be finished; scanning resumes at `scanIndex`.
    case broken(end: Int)
    /// A 0xFF byte at `at`; `interrupted` when a message was in progress.
    case reset(at: Int, interrupted: Bool)
  }

  private var buffer: [UInt8] = []
  /// Stream offset of `buffer[0]`, for error messages.
  private var bufferStreamOffset = 0
  private var scanIndex = 0
  private var messageStart = 0
  private var mode = Mode.between
  private var depth = 0
  private var inString = false
  private var escaped = false
  private var atLineStart = true
  /// The current message is over the size limit (already reported): drop its bytes.
  private var discarding = false
  /// An item found together with another (an interrupted message, then the reset marker).
  private var pending: JSONStreamItem?
  /// The parser's stacks, reused from message to message.
  private var workspace = JSONParserWorkspace()
  /// The compactor's stacks (``nextQMP()``), reused likewise.
  private var compactor = JSONCompactor.Workspace()

  /// - Parameters:
  ///   - maximumMessageSize: bytes a single message may take (QEMU's own limit is 64 MiB).
  ///   - maximumDepth: nesting limit of each message (QEMU's is 1024).
  public init(maximumMessageSize: Int = 64 * 1024 * 1024, maximumDepth: Int = 1024) {
    self.maximumMessageSize = max(1, maximumMessageSize)
    self.maximumDepth = maximumDepth
  }

  /// Bytes held for messages not yet returned.
  public var bufferedByteCount: Int {
    buffer.count - ((mode == .between || discarding) ? scanIndex : messageStart)
  }

  /// Bytes of memory the buffer has reserved (at least ``bufferedByteCount``).
  public var reservedByteCount: Int { buffer.capacity }

  /// Adds bytes read from the stream.
  public mutating func append(_ bytes: UnsafeRawBufferPointer) {
    admit(bytes.assumingMemoryBound(to: UInt8.self))
  }

  /// Adds bytes read from the stream.
  public mutating func append(_ bytes: some Collection<UInt8>) {
    if bytes.withContiguousStorageIfAvailable({ admit($0) }) == nil {
      Array(bytes).withUnsafeBufferPointer { admit($0) }
    }
  }

  private mutating func admit(_ bytes: UnsafeBufferPointer<UInt8>) {
    refuseOversizeMessage(before: bytes)
    compact()
    reserve(bytes.count)
    buffer.append(contentsOf: bytes)
  }

  /// Checks the size limit before `bytes` are appended: when the unfinished message would
  /// pass the limit with them and does not end within the room it has left (a look at the
  /// new bytes in place, with a copy of the scanner's state), it is reported now and its
  /// bytes are dropped, so the buffer never holds more than the limit of one message.
  /// Appending first and noticing later let a 64 MiB limit grow (and copy) the buffer to
  /// 128 MiB for a message that was then thrown away.
  private mutating func refuseOversizeMessage(before bytes: UnsafeBufferPointer<UInt8>) {
    guard !discarding, pending == nil, mode != .between, scanIndex == buffer.count else { return }
    let held = buffer.count - messageStart
    guard held + bytes.count > maximumMessageSize else { return }
    var probe = ScanState(
      index: 0, mode: mode, depth: depth, inString: inString, escaped: escaped,
      atLineStart: atLineStart, messageStart: 0)
    // One byte more than the room: a message can end at the byte after it without taking
    // it (a `{` at the start of a line, the blank after a number, a 0xFF).
    let window = max(0, maximumMessageSize - held) + 1
    guard
      case .needMore = Self.scan(UnsafeBufferPointer(rebasing: bytes[..<window]), state: &probe)
    else { return }
    discarding = true
    pending = .error(
      JSONStreamError(
        .tooLarge(limit: maximumMessageSize), streamOffset: bufferStreamOffset + messageStart))
  }

  /// Makes room for `count` more bytes before they are appended. The buffer grows
  /// geometrically, but never past what a message at the size limit plus this chunk needs:
  /// a longer message is dropped as soon as the scan sees it, so growing further would be
  /// for nothing. Left to the array, a 64 MiB limit let a 100 MB message double the buffer
  /// to 128 MiB (and copy 64 MiB into it) right before the scan noticed: 150 MiB RSS for a
  /// message that is then thrown away.
  private mutating func reserve(_ count: Int) {
    let needed = buffer.count + count
    guard needed > buffer.capacity else { return }
    let keepFrom = (mode == .between || discarding) ? scanIndex : messageStart
    let (bound, overflow) = (keepFrom + count).addingReportingOverflow(maximumMessageSize)
    let doubled = buffer.capacity.multipliedReportingOverflow(by: 2)
    var target = doubled.overflow ? needed : max(needed, doubled.partialValue)
    if !overflow { target = min(target, max(needed, bound)) }
    buffer.reserveCapacity(target)
  }

  /// The next complete item, or `nil` when more bytes are needed.
  public mutating func next() -> JSONStreamItem? {
    switch nextItem(eventShortcut: false) {
    case .item(let item)?: return item
    case .event(let event)?: return .value(event.json)
    case nil: return nil
    }
  }

  /// Like ``next()``, but a QMP event simple enough to print exactly without a tree comes
  /// back as ``QMPStreamItem/event(_:)``: checked and compacted, its ``QMPEvent/compactJSON``
  /// set, its tree built only if somebody asks for it. Everything else (replies, greetings,
  /// events with escapes, fractions or deep nesting, malformed input) comes as ``next()``
  /// returns it. The cost for a reply is a look at its first member.
  public mutating func nextQMP() -> QMPStreamItem? {
    nextItem(eventShortcut: true)
  }

  private mutating func nextItem(eventShortcut: Bool) -> QMPStreamItem? {
    // Moved out, not copied: a copy of the optional cost a generic destroy per message.
    if let item = pending.take() { return .item(item) }
    if eventShortcut, !discarding, mode == .between, let event = frameCompactEvent() {
      return .event(event)
    }
    while true {
      let wasDiscarding = discarding
      switch scan() {
      case .needMore:
        if !discarding && mode != .between && scanIndex - messageStart > maximumMessageSize {
          discarding = true
          return .item(
            .error(
              JSONStreamError(
                .tooLarge(limit: maximumMessageSize),
                streamOffset: bufferStreamOffset + messageStart)))
        }
        return nil
      case .complete(let end):
        discarding = false
        if wasDiscarding { continue }
        if eventShortcut, let event = compactEvent(messageStart..<end) { return .event(event) }
        return .item(parseMessage(messageStart..<end))
      case .broken(let end):
        discarding = false
        if wasDiscarding { continue }
        return .item(parseMessage(messageStart..<end))
      case .reset(let at, let interrupted):
        discarding = false
        if interrupted && !wasDiscarding {
          pending = .resetMarker
          return .item(parseMessage(messageStart..<at))
        }
        return .item(.resetMarker)
      }
    }
  }

  /// The event in `range` (framed by the scanner) through ``JSONCompactor``, or nil when it
  /// is not one it can take.
  private mutating func compactEvent(_ range: Range<Int>) -> QMPEvent? {
    // Over the size limit, the parser path reports it (as it does for a message that
    // arrived in pieces): the shortcut must not accept what `next()` rejects.
    guard range.count <= Self.maximumShortcutSize, range.count <= maximumMessageSize,
      range.count > 0 && buffer[range.lowerBound] == UInt8(ascii: "{")
    else { return nil }
    let found = buffer.withUnsafeBufferPointer { whole in
      QMPEvent.compact(UnsafeBufferPointer(rebasing: whole[range]), workspace: &compactor)
    }
    guard let found, found.length == range.count else { return nil }
    return found.event
  }

  /// Between messages: frames and compacts the next message in one pass when it is an event
  /// the compactor takes whole within the buffer, and moves past it. Otherwise (a reply, an
  /// event it declines, one not complete yet) nothing changes but the blanks skipped, and
  /// the scanner frames the message as usual.
  ///
  /// The compactor's subset frames exactly as the scanner does: its strings hold no line
  /// feed, quote or 0xFF but the closing quote, it declines a `{` at the start of a line, and
  /// it stops at the brace that closes the object.
  private mutating func frameCompactEvent() -> QMPEvent? {
    let count = buffer.count
    var start = scanIndex
    let event: (event: QMPEvent, length: Int)? = buffer.withUnsafeBufferPointer { whole in
      while start < count {
        switch whole[start] {
        case 0x20, 0x09, 0x0A, 0x0D: start += 1
        case UInt8(ascii: "{"):
          let window = min(count - start, Self.maximumShortcutSize, maximumMessageSize)
          return QMPEvent.compact(
            UnsafeBufferPointer(rebasing: whole[start..<(start + window)]), workspace: &compactor)
        default: return nil
        }
      }
      return nil
    }
    scanIndex = start
    guard let event else { return nil }
    messageStart = start
    scanIndex = start + event.length
    depth = 0
    inString = false
    return event.event
  }

  /// Messages larger than this always go through the parser: events are small, and a big
  /// reply should not be scanned twice.
  static let maximumShortcutSize = 1 << 16

  /// Call at the end of the stream, until it returns `nil`: it returns what ``next()`` would,
  /// then the unfinished message (a bare number is complete at the end; anything else is
  /// reported as an error). Afterwards the decoder is empty and can be reused.
  public mutating func finish() -> JSONStreamItem? {
    if let item = next() { return item }
    defer {
      buffer.removeAll()
      bufferStreamOffset += scanIndex
      scanIndex = 0
      messageStart = 0
      mode = .between
      discarding = false
    }
    if discarding || mode == .between { return nil }
    return parseMessage(messageStart..<buffer.count)
  }

  /// Parses one framed message; one over the size limit is reported (it can get here whole
  /// when it arrived in a single chunk) without being parsed.
  private mutating func parseMessage(_ range: Range<Int>) -> JSONStreamItem {
    guard range.count <= maximumMessageSize else {
      return .error(
        JSONStreamError(
          .tooLarge(limit: maximumMessageSize), streamOffset: bufferStreamOffset + range.lowerBound)
      )
    }
    let maximumDepth = maximumDepth
    let result = buffer.withUnsafeBufferPointer { whole in
      Result { () throws(JSONParseError) -> JSONValue in
        try JSONParser.parse(
          UnsafeBufferPointer(rebasing: whole[range]), maximumDepth: maximumDepth,
          workspace: &workspace)
      }
    }
    switch result {
    case .success(let value): return .value(value)
    case .failure(let error):
      return .error(
        JSONStreamError(.malformed(error), streamOffset: bufferStreamOffset + range.lowerBound))
    }
  }

  /// Drops bytes nothing needs any more, when that is worth a move: everything when the
  /// buffer is used up, otherwise when at least half of it is dead (amortised linear).
  private mutating func compact() {
    let keepFrom = (mode == .between || discarding) ? scanIndex : messageStart
    guard keepFrom > 0 else { return }
    if keepFrom == buffer.count {
      // After a huge message, give the memory back instead of keeping it for ever.
      if buffer.capacity > 4 * 1024 * 1024 {
        buffer = []
      } else {
        buffer.removeAll(keepingCapacity: true)
      }
    } else if keepFrom >= 4096 && keepFrom * 2 >= buffer.count {
      buffer.removeSubrange(0..<keepFrom)
    } else {
      return
    }
    bufferStreamOffset += keepFrom
    scanIndex -= keepFrom
    messageStart = max(0, messageStart - keepFrom)
  }

  // MARK: Scanning

  /// The scanner's state between chunks.
  private struct ScanState {
    var index: Int
    var mode: Mode
    var depth: Int
    var inString: Bool
    var escaped: Bool
    var atLineStart: Bool
    var messageStart: Int
  }

  private mutating func scan() -> ScanEvent {
    var state = ScanState(
      index: scanIndex, mode: mode, depth: depth, inString: inString, escaped: escaped,
      atLineStart: atLineStart, messageStart: messageStart)
    let event = buffer.withUnsafeBufferPointer { Self.scan($0, state: &state) }
    scanIndex = state.index
    mode = state.mode
    depth = state.depth
    inString = state.inString
    escaped = state.escaped
    atLineStart = state.atLineStart
    messageStart = state.messageStart
    return event
  }

  /// Scans `bytes` from `state.index` to the first event. A plain function with the state in
  /// locals, so that the compiler keeps it in registers in this per-byte loop.
  private static func scan(_ bytes: UnsafeBufferPointer<UInt8>, state: inout ScanState) -> ScanEvent
  {
    var i = state.index
    var mode = state.mode
    var depth = state.depth
    var inString = state.inString
    var escaped = state.escaped
    var atLineStart = state.atLineStart
    var messageStart = state.messageStart
    defer {
      state = ScanState(
        index: i, mode: mode, depth: depth, inString: inString, escaped: escaped,
        atLineStart: atLineStart, messageStart: messageStart)
    }
    let n = bytes.count
    while i < n {
      switch mode {
      case .between:
        let byte = bytes[i]
        switch byte {
        case 0x20, 0x09, 0x0A, 0x0D:
          i += 1
        case 0xFF:
          i += 1
          return .reset(at: i - 1, interrupted: false)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
          messageStart = i
          mode = .container
          depth = 1
          inString = false
          atLineStart = false
          i += 1
        case UInt8(ascii: "\""):
          messageStart = i
          mode = .container
          depth = 0
          inString = true
          escaped = false
          i += 1
        default:
          messageStart = i
          mode = .scalar
          i += 1
        }

      case .container:
        while i < n {
          if inString && !escaped {
            // Most bytes of a message are inside strings: skip the plain ones in a tight
            // loop (the only bytes that matter there are these four).
            while i < n {
              let byte = bytes[i]
              if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == 0x0A
                || byte == 0xFF
              {
                break
              }
              i += 1
            }
            if i == n { break }
          }
          let byte = bytes[i]
          if inString {
            if escaped {
              escaped = false
              if byte != 0x0A && byte != 0xFF {
                i += 1
                continue
              }
            }
            switch byte {
            case UInt8(ascii: "\""):
              inString = false
              if depth == 0 {
                i += 1
                mode = .between
                return .complete(end: i)
              }
            case UInt8(ascii: "\\"):
              escaped = true
            case 0x0A:
              i += 1
              mode = .between
              return .broken(end: i)
            case 0xFF:
              i += 1
              mode = .between
              return .reset(at: i - 1, interrupted: true)
            default:
              break
            }
            i += 1
          } else {
            switch byte {
            case UInt8(ascii: "\""):
              inString = true
              escaped = false
            case UInt8(ascii: "{"):
              if atLineStart {
                // Leave the `{` to start the next message.
                mode = .between
                return .broken(end: i)
              }
              depth += 1
            case UInt8(ascii: "["):
              depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
              depth -= 1
              if depth == 0 {
                i += 1
                mode = .between
                return .complete(end: i)
              }
            case 0xFF:
              i += 1
              mode = .between
              return .reset(at: i - 1, interrupted: true)
            default:
              break
            }
            atLineStart = byte == 0x0A
            i += 1
          }
        }

      case .scalar:
        while i < n {
          switch bytes[i] {
          case 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "{"), UInt8(ascii: "["), UInt8(ascii: "\""),
            0xFF:
            mode = .between
            return .complete(end: i)
          default:
            i += 1
          }
        }
      }
    }
    return .needMore
  }
}
