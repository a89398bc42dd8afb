#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Turns the wire text of a simple JSON object into the exact bytes our compact serializer
/// would write for it, without building a tree, or declines.
///
/// Printing an event flood as parse-then-serialise costs a tree of dictionaries per message
/// that is thrown away right after it was written. For most QMP traffic the compact form is
/// just the wire text with the blanks between tokens removed, and that is what this makes,
/// but only where that is provably what ``JSONValue/write(to:style:colors:)`` would print for
/// the parsed value. It accepts a strict subset of JSON and declines everything else (the
/// caller then parses as usual, which also reports real errors):
/// - strings of printable ASCII without escapes (the serializer writes those bytes as they
///   are; an escape may be written back differently, `\/` or `\u0041`; DEL is escaped);
/// - integers of at most 18 digits, not `-0` (they read back as `.int` and print the same
///   digits; fractions, exponents and bigger numbers may print differently);
/// - `true`, `false`, `null`, and objects and arrays of those, at most 64 deep, with at most
///   32 members per object and no duplicate key (which the parser rejects);
/// - a top-level object, with blanks (space, tab, CR, LF) anywhere between tokens, but no `{`
///   right after a line feed inside it (where ``JSONStreamDecoder`` sees the start of the
///   next message after a truncated one).
/// It reads one object from the start of its input and says where it ended, so the stream
/// decoder can frame and compact an event in one pass over its bytes.
/// A test compares the result with `serialize(parse(input))` over many generated messages.
struct JSONCompactor {
  /// What the compactor keeps between messages, so that it allocates nothing per message
  /// but the output.
  struct Workspace: Sendable {
    /// Ranges (in the output) of the keys of the open objects, innermost last.
    var keys: [Range<Int>] = []
    /// Where each open object's keys start in `keys`.
    var frames: [Int] = []
    /// Where the compact text is written before it is copied out at its exact size.
    var output: [UInt8] = []
  }

  /// The members of the top-level object that a QMP event needs, as ranges in the output.
  struct TopLevel {
    var event: Range<Int>?
    var timestamp: Range<Int>?
    var data: Range<Int>?
    /// The timestamp's numbers, when QEMU's own layout let the pass read them on the way.
    var stamp: (seconds: Int64, microseconds: Int64)?
  }

  static let maximumDepth = 64
  static let maximumMembers = 32
  static let maximumDigits = 18

  /// The compact bytes of the JSON object at the start of `input` (after blanks), its
  /// top-level members of interest, and how many bytes of `input` it took (up to its closing
  /// brace; whatever follows is not looked at). Nil when the object is outside the subset
  /// described above or does not end within `input`, or as soon as a top-level key (`QMP`,
  /// `return`, `error`) says it is a greeting or a reply.
  static func compactObject(_ input: UnsafeBufferPointer<UInt8>, workspace: inout Workspace)
    -> (bytes: [UInt8], top: TopLevel, length: Int)?
  {
    workspace.keys.removeAll(keepingCapacity: true)
    workspace.frames.removeAll(keepingCapacity: true)
    // The output is never longer than the input it came from.
    var scratch: [UInt8] = []
    swap(&scratch, &workspace.output)
    defer { swap(&scratch, &workspace.output) }
    if scratch.count < input.count {
      scratch = [UInt8](repeating: 0, count: max(input.count, 2 * scratch.count))
    }
    var top = TopLevel()
    return scratch.withUnsafeMutableBufferPointer {
      buffer -> (bytes: [UInt8], top: TopLevel, length: Int)? in
      var writer = Writer(input: input, out: buffer)
      guard writer.run(workspace: &workspace, top: &top) else { return nil }
      return (Array(UnsafeBufferPointer(rebasing: buffer[..<writer.written])), top, writer.index)
    }
  }

  /// The state of one pass: input position and output position, over raw buffers.
  struct Writer {
    let input: UnsafeBufferPointer<UInt8>
    let out: UnsafeMutableBufferPointer<UInt8>
    var index = 0
    var written = 0

    @inline(__always)
    mutating func skipBlanks() {
      while index < input.count {
        switch input[index] {
        case 0x20, 0x09, 0x0A, 0x0D: index += 1
        default: return
        }
      }
    }

    @inline(__always)
    mutating func emit(_ byte: UInt8) {
      out[written] = byte
      written += 1
    }

    /// Copies a string token (quotes included); false if it is outside the subset. Bytes
    /// are copied as they are checked: QMP strings are short, and a `memcpy` call per string
    /// cost more than the copy.
    mutating func copyString() -> Bool {
      // input[index] is the opening quote.
      var i = index + 1
      var w = written + 1
      out[written] = UInt8(ascii: "\"")
      while i < input.count {
        let byte = input[i]
        out[w] = byte
        w += 1
        i += 1
        if byte == UInt8(ascii: "\"") {
          written = w
          index = i
          return true
        }
        // Printable ASCII but the backslash: 0x20...0x7E, one unsigned compare.
        guard byte &- 0x20 < 0x5F && byte != UInt8(ascii: "\\") else { return false }
      }
      return false
    }

    /// Copies an integer token; false for `-0`, fractions, exponents and long numbers.
    mutating func copyInteger() -> Bool {
      var i = index
      if input[i] == UInt8(ascii: "-") { i += 1 }
      let digitsStart = i
      while i < input.count && input[i] >= UInt8(ascii: "0") && input[i] <= UInt8(ascii: "9") {
        i += 1
      }
      let digits = i - digitsStart
      guard digits > 0 && digits <= JSONCompactor.maximumDigits else { return false }
      if input[digitsStart] == UInt8(ascii: "0") {
        // A leading zero is only valid alone; `-0` reads back as 0 and prints without sign.
        guard digits == 1 && digitsStart == index else { return false }
      }
      if i < input.count {
        switch input[i] {
        case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return false
        default: break
        }
      }
      for k in index..<i {
        out[written] = input[k]
        written += 1
      }
      index = i
      return true
    }

    mutating func copyLiteral(_ literal: StaticString) -> Bool {
      let count = literal.utf8CodeUnitCount
      guard input.count - index >= count else { return false }
      let text = literal.utf8Start
      for k in 0..<count where input[index + k] != text[k] { return false }
      for k in 0..<count { out[written + k] = text[k] }
      written += count
      index += count
      return true
    }

    /// Whether the key just written at `key` equals one written before in the same object.
    func isDuplicate(_ key: Range<Int>, among keys: ArraySlice<Range<Int>>) -> Bool {
      for other in keys where other.count == key.count {
        var same = true
        for k in 0..<key.count where out[other.lowerBound + k] != out[key.lowerBound + k] {
          same = false
          break
        }
        if same { return true }
      }
      return false
    }

    /// Reads `"key":` of the innermost object; false if outside the subset.
    mutating func readKey(workspace: inout Workspace) -> Range<Int>? {
      guard index < input.count && input[index] == UInt8(ascii: "\"") else { return nil }
      let start = written
      guard copyString() else { return nil }
      let key = (start + 1)..<(written - 1)
      let frameStart = workspace.frames[workspace.frames.count - 1]
      guard workspace.keys.count - frameStart < JSONCompactor.maximumMembers,
        !isDuplicate(key, among: workspace.keys[frameStart...])
      else { return nil }
      workspace.keys.append(key)
      skipBlanks()
      guard index < input.count && input[index] == UInt8(ascii: ":") else { return nil }
      index += 1
      emit(UInt8(ascii: ":"))
      return key
    }

    /// Which top-level member the key at `key` names: 1 event, 2 timestamp, 3 data, 4 one
    /// that makes the object a greeting or a reply (the pass then stops: not its business).
    func classify(_ key: Range<Int>) -> Int {
      switch key.count {
      case 5 where matches(key, "event"): return 1
      case 9 where matches(key, "timestamp"): return 2
      case 4 where matches(key, "data"): return 3
      case 3 where matches(key, "QMP"), 6 where matches(key, "return"),
        5 where matches(key, "error"):
        return 4
      default: return 0
      }
    }

    /// Whether the output at `range` holds `literal` (of the same length).
    @inline(__always)
    func matches(_ range: Range<Int>, _ literal: StaticString) -> Bool {
      let text = literal.utf8Start
      for k in 0..<range.count where out[range.lowerBound + k] != text[k] { return false }
      return true
    }

    /// Copies `literal` if the input continues with it, writing `compact` in its place.
    @inline(__always)
    mutating func expect(_ literal: StaticString, writing compact: StaticString) -> Bool {
      let count = literal.utf8CodeUnitCount
      guard input.count - index >= count,
        memcmp(input.baseAddress! + index, literal.utf8Start, count) == 0
      else { return false }
      let length = compact.utf8CodeUnitCount
      UnsafeMutableRawPointer(out.baseAddress! + written).copyMemory(
        from: compact.utf8Start, byteCount: length)
      written += length
      index += count
      return true
    }

    /// Copies an integer token as ``copyInteger()`` does and returns its value (at most 18
    /// digits, so it fits); nil where that declines, and for a negative one.
    @inline(__always)
    mutating func readCount() -> Int64? {
      let start = index
      guard index < input.count && input[index] != UInt8(ascii: "-"), copyInteger() else {
        return nil
      }
      var value: Int64 = 0
      for k in start..<index { value = value * 10 + Int64(input[k] &- UInt8(ascii: "0")) }
      return value
    }

    /// The start of an event exactly as QEMU writes it, `{"timestamp": {"seconds": S,
    /// "microseconds": U}, "event": "NAME"`: checked against the literal text and written in
    /// compact form in one go, the timestamp's numbers read on the way. On success the pass
    /// is where the generic one would be after the name (depth 1, member `event`, both keys
    /// recorded). False for any other layout: the caller then starts over generically.
    mutating func qemuEventStart(workspace: inout Workspace, top: inout TopLevel) -> Int? {
      guard expect(#"{"timestamp": {"seconds": "#, writing: #"{"timestamp":{"seconds":"#),
        let seconds = readCount(),
        expect(#", "microseconds": "#, writing: #","microseconds":"#),
        let microseconds = readCount(),
        expect(#"}, "event": "#, writing: #"},"event":"#),
        index < input.count && input[index] == UInt8(ascii: "\""),
        case let nameStart = written, copyString()
      else { return nil }
      // Output offsets: `{"` is 2 bytes, then `timestamp`; the timestamp's value starts
      // after `{"timestamp":`; `event` sits right before `":` and the name.
      top.timestamp = 13..<(nameStart - 9)
      top.stamp = (seconds, microseconds)
      workspace.frames.append(0)
      workspace.keys.append(2..<11)
      workspace.keys.append((nameStart - 7)..<(nameStart - 2))
      return nameStart
    }

    /// The whole pass; false if the input is outside the subset.
    mutating func run(workspace: inout Workspace, top: inout TopLevel) -> Bool {
      skipBlanks()
      guard index < input.count && input[index] == UInt8(ascii: "{") else { return false }
      // Bit n of `objects` says whether the container at depth n + 1 is an object.
      var objects: UInt64 = 0
      var depth = 0
      var member = 0
      var valueStart = 0
      // QEMU's layout: the first two members are done; go on as after any member.
      var resumed = false
      if let nameStart = qemuEventStart(workspace: &workspace, top: &top) {
        objects = 1
        depth = 1
        member = 1
        valueStart = nameStart
        resumed = true
      } else {
        index = 0
        written = 0
        top = TopLevel()
        workspace.keys.removeAll(keepingCapacity: true)
        workspace.frames.removeAll(keepingCapacity: true)
        skipBlanks()
      }
      value: while true {
        if resumed {
          resumed = false
        } else {
          skipBlanks()
          guard index < input.count else { return false }
          if depth == 1 { valueStart = written }
          switch input[index] {
          case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = input[index] == UInt8(ascii: "{")
            guard depth < JSONCompactor.maximumDepth else { return false }
            // The stream decoder takes a `{` at the start of a line for a new message.
            if isObject && depth > 0 && input[index - 1] == 0x0A { return false }
            emit(input[index])
            index += 1
            depth += 1
            if isObject {
              objects |= 1 << UInt64(depth - 1)
              workspace.frames.append(workspace.keys.count)
            } else {
              objects &= ~(1 << UInt64(depth - 1))
            }
            skipBlanks()
            guard index < input.count else { return false }
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            if input[index] == close {
              // An empty container: closed below, as any finished value.
              if isObject { workspace.frames.removeLast() }
              emit(close)
              index += 1
              depth -= 1
            } else {
              if isObject {
                guard let key = readKey(workspace: &workspace) else {
                  return false
                }
                if depth == 1 { member = classify(key) }
                if member == 4 { return false }
              }
              continue value
            }
          case UInt8(ascii: "\""):
            guard copyString() else { return false }
          case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard copyInteger() else { return false }
          case UInt8(ascii: "t"):
            guard copyLiteral("true") else { return false }
          case UInt8(ascii: "f"):
            guard copyLiteral("false") else { return false }
          case UInt8(ascii: "n"):
            guard copyLiteral("null") else { return false }
          default:
            return false
          }
        }

        // A value is complete: record it, then close containers as they end.
        while depth > 0 {
          if depth == 1 {
            let range = valueStart..<written
            switch member {
            case 1: top.event = range
            case 2: top.timestamp = range
            case 3: top.data = range
            default: break
            }
          }
          skipBlanks()
          guard index < input.count else { return false }
          let byte = input[index]
          index += 1
          let isObject = objects & (1 << UInt64(depth - 1)) != 0
          if byte == UInt8(ascii: ",") {
            emit(byte)
            if isObject {
              skipBlanks()
              guard let key = readKey(workspace: &workspace) else {
                return false
              }
              if depth == 1 { member = classify(key) }
              if member == 4 { return false }
            }
            continue value
          }
          guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
          emit(byte)
          if isObject {
            workspace.keys.removeSubrange(workspace.frames.removeLast()...)
          }
          depth -= 1
          if depth == 0 { break }
          // The closed container is itself a finished value of its parent: loop.
        }
        return true
      }
    }
  }
}
