import QMPCodec
import QMPShell

/// What must hold for any input to the command language. The fuzzer (`ShorthandFuzzer`)
/// crashes on a broken property; `QMPShellTests` replays the committed corpus through the same
/// checks (this file is linked into that test target, so the two can never drift apart).
///
/// An input is read as lines of shell input. Its first byte picks the mode (bit 0: QMP or
/// HMP) and whether a small schema types the values (bit 1). Each check returns `nil`, or a
/// one-line description of what broke.
enum ShorthandFuzzProperties {
  /// Reads every line (completing it first, as a user could at that point), then finishes:
  /// - completion never crashes;
  /// - every command the language accepts serialises to JSON that the codec parses back to
  ///   the same command (so `--dry-run` output is always what would really be sent);
  /// - every error names a line of the input and a column of that line, and its text is one
  ///   line (it is printed after `qmp-shell: ` on a terminal or in a CI log).
  static func check(_ bytes: [UInt8]) -> String? {
    guard let selector = bytes.first else { return nil }
    // Lines as `readLine` gives them: split at each 0x0A byte (a String split would treat
    // "\r\n" as one character and miss it).
    let lines = bytes.dropFirst().split(separator: 0x0A, omittingEmptySubsequences: false)
      .map { String(decoding: $0, as: UTF8.self) }
    var reader = CommandReader(
      mode: selector & 1 == 0 ? .qmp : .hmp, schema: selector & 2 == 0 ? nil : schema)
    for (index, line) in lines.enumerated() {
      if let schema {
        _ = schema.completions(
          for: CompletionContext(before: line, prompt: reader.prompt, mode: reader.mode))
      }
      do {
        if case .command(let command) = try reader.read(line, number: index + 1),
          let failure = roundTrip(command)
        {
          return failure
        }
      } catch {
        if let failure = located(error, lines: lines) { return failure }
      }
    }
    do {
      try reader.finish()
    } catch {
      return located(error, lines: lines)
    }
    return nil
  }

  static func roundTrip(_ command: QMPCommand) -> String? {
    let text = command.json.serialized()
    do {
      let again = try QMPCommand(json: JSONValue(parsing: text))
      guard again == command else {
        return "command changed on the way back: \(command) -> \(text) -> \(again)"
      }
    } catch {
      return "accepted command does not parse back: \(text): \(error)"
    }
    return nil
  }

  static func located(_ error: CommandSyntaxError, lines: [String]) -> String? {
    guard error.line >= 1, error.line <= max(lines.count, 1) else {
      return "error names line \(error.line) of \(lines.count): \(error)"
    }
    let length = lines.isEmpty ? 0 : lines[error.line - 1].count
    guard error.column >= 1, error.column <= length + 1 else {
      return "error names column \(error.column) of a \(length)-character line: \(error)"
    }
    guard !error.description.contains(where: \.isNewline) else {
      return "error text is more than one line: \(error.description.debugDescription)"
    }
    return nil
  }

  /// A few commands in QEMU's introspection format, enough to reach every typing path:
  /// strings, integers, booleans, enums, alternates, unions selected by a tag, transactions.
  static let schema: QMPSchema? = try? QMPSchema(
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
}
