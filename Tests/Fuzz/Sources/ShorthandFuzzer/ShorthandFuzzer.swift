import QMPCodec
import QMPShell

/// One libFuzzer input, read as lines of shell input. The first byte picks the mode (QMP or
/// HMP) and whether a small schema types the values. Besides "does not crash", it checks:
/// - every command the language accepts serialises to JSON that the codec parses back to the
///   same command (so `--dry-run` output is always what would really be sent);
/// - every error names a line of the input and a column of that line;
/// - completion of any line (with the reader's prompt at that point) does not crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: start, count: count))
  guard let selector = bytes.first else { return 0 }
  // Lines as `readLine` gives them: split at each 0x0A byte (a String split would treat
  // "\r\n" as one character and miss it).
  let lines = bytes.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false)
    .map { String(decoding: $0, as: UTF8.self) }
  var reader = CommandReader(
    mode: selector & 1 == 0 ? .qmp : .hmp, schema: selector & 2 == 0 ? nil : fuzzSchema)
  for (index, line) in lines.enumerated() {
    // Completion sees every prefix a user could have typed; it must never crash.
    if let fuzzSchema {
      _ = fuzzSchema.completions(
        for: CompletionContext(before: line, prompt: reader.prompt, mode: reader.mode))
    }
    do {
      if case .command(let command) = try reader.read(line, number: index + 1) {
        checkRoundTrip(command)
      }
    } catch {
      checkLocation(error, lines: lines)
    }
  }
  do {
    try reader.finish()
  } catch {
    checkLocation(error, lines: lines)
  }
  return 0
}

func checkRoundTrip(_ command: QMPCommand) {
  let text = command.json.serialized()
  do {
    let again = try QMPCommand(json: JSONValue(parsing: text))
    guard again == command else {
      fatalError("command changed on the way back: \(command) -> \(text) -> \(again)")
    }
  } catch {
    fatalError("accepted command does not parse back: \(text): \(error)")
  }
}

func checkLocation(_ error: CommandSyntaxError, lines: [String]) {
  guard error.line >= 1, error.line <= max(lines.count, 1) else {
    fatalError("error names line \(error.line) of \(lines.count): \(error)")
  }
  let length = lines.isEmpty ? 0 : lines[error.line - 1].count
  guard error.column >= 1, error.column <= length + 1 else {
    fatalError("error names column \(error.column) of a \(length)-character line: \(error)")
  }
}

/// A few commands in QEMU's introspection format, enough to reach every typing path:
/// strings, integers, booleans, enums, alternates, unions selected by a tag, transactions.
let fuzzSchema: QMPSchema? = try? QMPSchema(
  json: JSONValue(
    parsing: #"""
      [{"name":"set_link","meta-type":"command","arg-type":"1"},
       {"name":"1","meta-type":"object","members":[{"name":"name","type":"str"},{"name":"up","type":"bool"}]},
       {"name":"screendump","meta-type":"command","arg-type":"2"},
       {"name":"2","meta-type":"object","members":[{"name":"filename","type":"str"},
         {"name":"head","type":"int","default":null},{"name":"format","type":"3","default":null},
         {"name":"scale","type":"number","default":null},{"name":"v","type":"any","default":null},
         {"name":"n","type":"null","default":null},{"name":"alt","type":"4","default":null},
         {"name":"list","type":"[int]","default":null}]},
       {"name":"3","meta-type":"enum","values":["ppm","png"]},
       {"name":"4","meta-type":"alternate","members":[{"type":"2"},{"type":"str"},{"type":"null"},{"type":"int"},{"type":"bool"}]},
       {"name":"[int]","meta-type":"array","element-type":"int"},
       {"name":"blockdev-add","meta-type":"command","arg-type":"5"},
       {"name":"5","meta-type":"object","members":[{"name":"driver","type":"6"},{"name":"file","type":"4","default":null}],
         "tag":"driver","variants":[{"case":"file","type":"7"},{"case":"null-co","type":"8"}]},
       {"name":"6","meta-type":"enum","values":["file","null-co","qcow2"]},
       {"name":"7","meta-type":"object","members":[{"name":"filename","type":"str"},{"name":"size","type":"str"}]},
       {"name":"8","meta-type":"object","members":[{"name":"size","type":"int","default":null}]},
       {"name":"transaction","meta-type":"command","arg-type":"9"},
       {"name":"9","meta-type":"object","members":[{"name":"actions","type":"[10]"}]},
       {"name":"[10]","meta-type":"array","element-type":"10"},
       {"name":"10","meta-type":"object","members":[{"name":"type","type":"11"}],"tag":"type",
         "variants":[{"case":"abort","type":"12"},{"case":"snap","type":"13"}]},
       {"name":"11","meta-type":"enum","values":["abort","snap"]},
       {"name":"12","meta-type":"object","members":[{"name":"data","type":"14"}]},
       {"name":"13","meta-type":"object","members":[{"name":"data","type":"2"}]},
       {"name":"14","meta-type":"object","members":[]},
       {"name":"str","meta-type":"builtin","json-type":"string"},
       {"name":"int","meta-type":"builtin","json-type":"int"},
       {"name":"bool","meta-type":"builtin","json-type":"boolean"},
       {"name":"number","meta-type":"builtin","json-type":"number"},
       {"name":"null","meta-type":"builtin","json-type":"null"},
       {"name":"any","meta-type":"builtin","json-type":"value"}]
      """#))

/// SwiftPM links an executable target with `main` renamed to `<Target>_main`; hand control
/// to libFuzzer's driver from there (see CodecFuzzer for the same arrangement).
@_cdecl("ShorthandFuzzer_main")
public func shorthandFuzzerMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var argc = argc
  var argv = argv
  return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// LeakSanitizer reports the global `fuzzSchema` as leaked at exit: Swift keeps a
/// multi-payload enum's tag in the spare high bits of its payload pointers, so the schema's
/// storage is reachable only through pointers LeakSanitizer does not recognise. Suppress
/// exactly that (allocations made while building a QMPSchema), nothing else.
@_cdecl("__lsan_default_suppressions")
public func leakSuppressions() -> UnsafePointer<CChar> {
  let text: StaticString = "leak:QMPSchema\n"
  return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
