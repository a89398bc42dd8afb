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
    /// Ranges (in the output) of the keys of the open objects, innermost last. Sized once,
    /// on first use, for the most any input can open (``maximumDepth`` objects of
    /// ``maximumMembers`` keys), so the pass indexes it without growing it or checking that
    /// it is uniquely referenced (both showed in an event flood's profile).
    var keys: [Range<Int>] = []
    /// Where each open object's keys start in `keys`; sized like it.
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

  /// Compacts the JSON object at the start of `input` (after blanks) and calls `body` with
  /// its compact bytes (valid during the call only) and its top-level members of interest;
  /// returns what `body` made and how many bytes of `input` the object took (up to its
  /// closing brace; whatever follows is not looked at). Nil when the object is outside the
  /// subset described above or does not end within `input`, as soon as a top-level key
  /// (`QMP`, `return`, `error`) says it is a greeting or a reply, or when `body` returns nil.
  static func compactObject<Result>(
    _ input: UnsafeBufferPointer<UInt8>, workspace: inout Workspace,
    _ body: (UnsafeBufferPointer<UInt8>, TopLevel) -> Result?
  ) -> (result: Result, length: Int)? {
    guard let base = input.baseAddress, !input.isEmpty else { return nil }
    if workspace.keys.isEmpty {
      workspace.keys = Array(repeating: 0..<0, count: maximumDepth * maximumMembers)
      workspace.frames = Array(repeating: 0, count: maximumDepth + 1)
    }
    // The output is never longer than the input it came from, and never ahead of it: a
    // word-wide copy at the input's position stays inside a buffer as long as the input.
    if workspace.output.count < input.count {
      workspace.output = Array(repeating: 0, count: max(input.count, 2 * workspace.output.count))
    }
    var top = TopLevel()
    return workspace.output.withUnsafeMutableBufferPointer { out in
      workspace.keys.withUnsafeMutableBufferPointer { keys in
        workspace.frames.withUnsafeMutableBufferPointer { frames in
          var writer = Writer(
            input: base, end: input.count, out: out.baseAddress!, keys: keys.baseAddress!,
            frames: frames.baseAddress!)
          guard writer.run(top: &top),
            let result = body(
              UnsafeBufferPointer(start: out.baseAddress!, count: writer.written), top)
          else { return nil }
          return (result, writer.index)
        }
      }
    }
  }

  /// The state of one pass: input and output positions over raw memory, and the key stack.
  struct Writer {
    let input: UnsafePointer<UInt8>
    let end: Int
    let out: UnsafeMutablePointer<UInt8>
    let keys: UnsafeMutablePointer<Range<Int>>
    let frames: UnsafeMutablePointer<Int>
    var index = 0
    var written = 0
    var keyCount = 0
    var frameCount = 0

    init(
      input: UnsafePointer<UInt8>, end: Int, out: UnsafeMutablePointer<UInt8>,
      keys: UnsafeMutablePointer<Range<Int>>, frames: UnsafeMutablePointer<Int>
    ) {
      self.input = input
      self.end = end
      self.out = out
      self.keys = keys
      self.frames = frames
    }

    // The hot loops below work on local copies of the positions and pointers: a store
    // through `out` could alias `self` as far as the optimiser knows, so it would otherwise
    // reload every field after every byte written (a third of the pass's instructions).
    // Positions never come near overflow (they index a buffer), hence the wrapping `&+`.

    @inline(__always)
    mutating func skipBlanks() {
      var i = index
      while i < end {
        switch input[i] {
        case 0x20, 0x09, 0x0A, 0x0D: i &+= 1
        default:
          index = i
          return
        }
      }
      index = i
    }

    @inline(__always)
    mutating func emit(_ byte: UInt8) {
      out[written] = byte
      written &+= 1
    }

    /// Copies a string token (quotes included); false if it is outside the subset.
    ///
    /// Eight bytes at a time while eight remain: each word is stored unchecked (the output
    /// is never ahead of the input, see ``compactObject(_:workspace:)``) and then tested for
    /// a byte that ends the string or leaves the subset (quote, backslash, control, DEL,
    /// non-ASCII) with carry-free bit tricks; the lowest flagged byte is always a real one
    /// (a false flag can only sit above a real one), and only it is looked at.
    mutating func copyString() -> Bool {
      // input[index] is the opening quote.
      let input = self.input
      let out = self.out
      let end = self.end
      var i = index &+ 1
      var w = written &+ 1
      out[w &- 1] = UInt8(ascii: "\"")
      let ones: UInt64 = 0x0101_0101_0101_0101
      let highs: UInt64 = 0x8080_8080_8080_8080
      while end - i >= 8 {
        let word = UInt64(littleEndian: UnsafeRawPointer(input + i).loadUnaligned(as: UInt64.self))
        UnsafeMutableRawPointer(out + w).storeBytes(of: word.littleEndian, as: UInt64.self)
        @inline(__always) func zeroBytes(_ v: UInt64) -> UInt64 { (v &- ones) & ~v & highs }
        let control = (word &- 0x20 &* ones) & ~word & highs
        let flags =
          control | (word & highs) | zeroBytes(word ^ (0x22 &* ones))
          | zeroBytes(word ^ (0x5C &* ones)) | zeroBytes(word ^ (0x7F &* ones))
        if flags == 0 {
          i &+= 8
          w &+= 8
          continue
        }
        let offset = flags.trailingZeroBitCount >> 3
        guard input[i &+ offset] == UInt8(ascii: "\"") else { return false }
        written = w &+ offset &+ 1
        index = i &+ offset &+ 1
        return true
      }
      while i < end {
        let byte = input[i]
        out[w] = byte
        w &+= 1
        i &+= 1
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

    /// Copies an integer token and returns its value, in one pass over its digits; nil for
    /// `-0`, leading zeros, fractions, exponents and more than ``maximumDigits`` digits
    /// (which could print differently, or not fit).
    @inline(__always)
    mutating func copyInteger() -> Int64? {
      let input = self.input
      let out = self.out
      let end = self.end
      var i = index
      var w = written
      let negative = input[i] == UInt8(ascii: "-")
      if negative {
        out[w] = UInt8(ascii: "-")
        i &+= 1
        w &+= 1
      }
      let digitsStart = i
      var value: Int64 = 0
      while i < end {
        let byte = input[i]
        let digit = byte &- UInt8(ascii: "0")
        if digit > 9 { break }
        out[w] = byte
        value = value &* 10 &+ Int64(digit)
        i &+= 1
        w &+= 1
      }
      let digits = i &- digitsStart
      guard digits > 0 && digits <= JSONCompactor.maximumDigits else { return nil }
      // A leading zero is only valid alone; `-0` reads back as 0 and prints without sign.
      if input[digitsStart] == UInt8(ascii: "0") && (digits != 1 || negative) { return nil }
      if i < end {
        switch input[i] {
        case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
        default: break
        }
      }
      written = w
      index = i
      return negative ? -value : value
    }

    mutating func copyLiteral(_ literal: StaticString) -> Bool {
      let count = literal.utf8CodeUnitCount
      guard end - index >= count else { return false }
      let text = literal.utf8Start
      for k in 0..<count where input[index + k] != text[k] { return false }
      for k in 0..<count { out[written + k] = text[k] }
      written &+= count
      index &+= count
      return true
    }

    /// Whether the key just written at `key` equals one of the innermost object's earlier
    /// keys (from `keys[first]` on).
    func isDuplicate(_ key: Range<Int>, from first: Int) -> Bool {
      for k in first..<keyCount {
        let other = keys[k]
        if other.count == key.count
          && memcmp(out + other.lowerBound, out + key.lowerBound, key.count) == 0
        {
          return true
        }
      }
      return false
    }

    /// Reads `"key":` of the innermost object; nil if outside the subset.
    mutating func readKey() -> Range<Int>? {
      guard index < end && input[index] == UInt8(ascii: "\"") else { return nil }
      let start = written
      guard copyString() else { return nil }
      let key = (start + 1)..<(written - 1)
      let first = frames[frameCount - 1]
      guard keyCount - first < JSONCompactor.maximumMembers, !isDuplicate(key, from: first)
      else { return nil }
      keys[keyCount] = key
      keyCount &+= 1
      skipBlanks()
      guard index < end && input[index] == UInt8(ascii: ":") else { return nil }
      index &+= 1
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
      memcmp(out + range.lowerBound, literal.utf8Start, range.count) == 0
    }

    /// Copies `literal` if the input continues with it, writing `compact` in its place.
    @inline(__always)
    mutating func expect(_ literal: StaticString, writing compact: StaticString) -> Bool {
      let count = literal.utf8CodeUnitCount
      guard end - index >= count, memcmp(input + index, literal.utf8Start, count) == 0
      else { return false }
      let length = compact.utf8CodeUnitCount
      UnsafeMutableRawPointer(out + written).copyMemory(from: compact.utf8Start, byteCount: length)
      written &+= length
      index &+= count
      return true
    }

    /// Copies a non-negative integer token as ``copyInteger()`` does and returns its value.
    @inline(__always)
    mutating func readCount() -> Int64? {
      guard index < end && input[index] != UInt8(ascii: "-") else { return nil }
      return copyInteger()
    }

    /// The start of an event exactly as QEMU writes it, `{"timestamp": {"seconds": S,
    /// "microseconds": U}, "event": "NAME"`: checked against the literal text and written in
    /// compact form in one go, the timestamp's numbers read on the way. On success the pass
    /// is where the generic one would be after the name (depth 1, member `event`, both keys
    /// recorded). False for any other layout: the caller then starts over generically.
    mutating func qemuEventStart(top: inout TopLevel) -> Int? {
      guard expect(#"{"timestamp": {"seconds": "#, writing: #"{"timestamp":{"seconds":"#),
        let seconds = readCount(),
        expect(#", "microseconds": "#, writing: #","microseconds":"#),
        let microseconds = readCount(),
        expect(#"}, "event": "#, writing: #"},"event":"#),
        index < end && input[index] == UInt8(ascii: "\""),
        case let nameStart = written, copyString()
      else { return nil }
      // Output offsets: `{"` is 2 bytes, then `timestamp`; the timestamp's value starts
      // after `{"timestamp":`; `event` sits right before `":` and the name.
      top.timestamp = 13..<(nameStart - 9)
      top.stamp = (seconds, microseconds)
      frames[0] = 0
      frameCount = 1
      keys[0] = 2..<11
      keys[1] = (nameStart - 7)..<(nameStart - 2)
      keyCount = 2
      return nameStart
    }

    /// Opens an object: its keys start after those of the enclosing ones.
    @inline(__always)
    mutating func openObject() {
      frames[frameCount] = keyCount
      frameCount &+= 1
    }

    /// Closes the innermost object, forgetting its keys.
    @inline(__always)
    mutating func closeObject() {
      frameCount &-= 1
      keyCount = frames[frameCount]
    }

    /// The whole pass; false if the input is outside the subset.
    mutating func run(top: inout TopLevel) -> Bool {
      skipBlanks()
      guard index < end && input[index] == UInt8(ascii: "{") else { return false }
      // Bit n of `objects` says whether the container at depth n + 1 is an object.
      var objects: UInt64 = 0
      var depth = 0
      var member = 0
      var valueStart = 0
      // QEMU's layout: the first two members are done; go on as after any member.
      var resumed = false
      if let nameStart = qemuEventStart(top: &top) {
        objects = 1
        depth = 1
        member = 1
        valueStart = nameStart
        resumed = true
      } else {
        index = 0
        written = 0
        keyCount = 0
        frameCount = 0
        top = TopLevel()
        skipBlanks()
      }
      value: while true {
        if resumed {
          resumed = false
        } else {
          skipBlanks()
          guard index < end else { return false }
          if depth == 1 { valueStart = written }
          switch input[index] {
          case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = input[index] == UInt8(ascii: "{")
            guard depth < JSONCompactor.maximumDepth else { return false }
            // The stream decoder takes a `{` at the start of a line for a new message.
            if isObject && depth > 0 && input[index - 1] == 0x0A { return false }
            emit(input[index])
            index &+= 1
            depth &+= 1
            if isObject {
              objects |= 1 << UInt64(depth - 1)
              openObject()
            } else {
              objects &= ~(1 << UInt64(depth - 1))
            }
            skipBlanks()
            guard index < end else { return false }
            let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
            if input[index] == close {
              // An empty container: closed below, as any finished value.
              if isObject { closeObject() }
              emit(close)
              index &+= 1
              depth &-= 1
            } else {
              if isObject {
                guard let key = readKey() else { return false }
                if depth == 1 { member = classify(key) }
                if member == 4 { return false }
              }
              continue value
            }
          case UInt8(ascii: "\""):
            guard copyString() else { return false }
          case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard copyInteger() != nil else { return false }
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
          guard index < end else { return false }
          let byte = input[index]
          index &+= 1
          let isObject = objects & (1 << UInt64(depth - 1)) != 0
          if byte == UInt8(ascii: ",") {
            emit(byte)
            if isObject {
              skipBlanks()
              guard let key = readKey() else { return false }
              if depth == 1 { member = classify(key) }
              if member == 4 { return false }
            }
            continue value
          }
          guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return false }
          emit(byte)
          if isObject { closeObject() }
          depth &-= 1
          if depth == 0 { break }
          // The closed container is itself a finished value of its parent: loop.
        }
        return true
      }
    }
  }
}
