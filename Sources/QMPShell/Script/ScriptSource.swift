import Glibc

/// Where script mode's commands come from: `-c` arguments, a `-f` file, or stdin.
public enum ScriptSource: Sendable {
  case commands([String])
  case file(String)
  case standardInput

  /// Opens the source for reading, line by line.
  func open() throws(ShellError) -> ScriptLines {
    switch self {
    case .commands(let commands):
      return ScriptLines(storage: .list(commands, next: 0))
    case .standardInput:
      return ScriptLines(
        storage: .reader(LineReader(fileDescriptor: 0, sourceName: "standard input")))
    case .file(let path):
      let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
      guard descriptor >= 0 else {
        throw ShellError(.usage, "cannot open \(path): \(String(cString: strerror(errno)))")
      }
      return ScriptLines(storage: .reader(LineReader(fileDescriptor: descriptor, sourceName: path)))
    }
  }
}

/// The lines of an opened ``ScriptSource``.
struct ScriptLines {
  enum Storage {
    case list([String], next: Int)
    case reader(LineReader)
  }

  var storage: Storage

  /// Whether ``nextLine()`` may have to wait for input.
  var mayBlock: Bool {
    switch storage {
    case .list: false
    case .reader(let reader): reader.mayBlock
    }
  }

  mutating func nextLine() throws(ShellError) -> String? {
    switch storage {
    case .list(let lines, let next):
      guard next < lines.count else { return nil }
      storage = .list(lines, next: next + 1)
      return lines[next]
    case .reader(var reader):
      do {
        let line = try reader.nextLine()
        storage = .reader(reader)
        return line
      } catch {
        throw ShellError(.usage, error.description)
      }
    }
  }
}
