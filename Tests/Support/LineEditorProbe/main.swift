// A small program that runs a LineEditor, for the terminal tests (they drive it in a pty).
//
//   line-editor-probe [--history PATH] [--fifo PATH] [--output-limit BYTES]
//                     [--exhaust-descriptors] [--own-thread]
//
// Accepted lines are echoed as "got: [LINE]" above the prompt. Lines read from the FIFO are
// shown as "event: TEXT" (sanitized), as if they came from the network; the FIFO lines
// "!stop", "!disable" and "!enable" call stop() and setInputEnabled(_:) instead, from that
// thread. Special typed lines:
//   wait         input disabled ("pending") until a FIFO line arrives or Ctrl-C
//   prompt TEXT  the prompt becomes "TEXT "
//   size         prints readline's idea of the screen size
//   quit         stop() from another thread
//   again        tries to run a second editor (must fail)
//   flood N      prints N messages from another thread
import CReadline
import Foundation
import NIOConcurrencyHelpers
import QMPShell

var historyPath: String?
var fifoPath: String?
var outputLimit = 16 << 20
var exhaustDescriptors = false
var ownThread = false
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
  switch argument {
  case "--history": historyPath = arguments.next()
  case "--fifo": fifoPath = arguments.next()
  case "--output-limit": outputLimit = Int(arguments.next() ?? "") ?? outputLimit
  case "--exhaust-descriptors": exhaustDescriptors = true
  case "--own-thread": ownThread = true
  default:
    FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
    exit(2)
  }
}

var exhaustedDescriptors: [Int32] = []
if exhaustDescriptors {
  while case let fd = open("/dev/null", O_RDONLY), fd >= 0 { exhaustedDescriptors.append(fd) }
}

let pending = NIOLockedValueBox(false)

/// Ends the pending state; true if it was on.
func takePending() -> Bool {
  pending.withLockedValue { state in
    let wasPending = state
    state = false
    return wasPending
  }
}
let commands = [
  "query-status", "query-name", "query-commands", "device_add", "blockdev-add", "quit",
]
let argumentNames = [
  "device_add": ["driver=", "id=", "bus="],
  "blockdev-add": ["node-name=", "file.driver=", "file.filename="],
]
let enumValues = [
  "driver": ["virtio-net-pci", "virtio-blk-pci", "e1000"],
  "file.driver": ["file", "host_device"],
]

let completion: CompletionProvider = { request in
  let words = request.textBeforeWord.split(whereSeparator: { $0 == " " || $0 == "\t" })
  guard let command = words.first else { return commands.map { CompletionCandidate($0) } }
  if request.textBeforeWord.hasSuffix("="), let last = words.last {
    let key = String(last.dropLast().split(separator: "=").last ?? "")
    return (enumValues[key] ?? []).map { CompletionCandidate($0) }
  }
  return (argumentNames[String(command)] ?? []).map { CompletionCandidate($0) }
}

let editorBox = NIOLockedValueBox<LineEditor?>(nil)
func show(_ text: String) { editorBox.withLockedValue { $0 }?.print(text) }

let configuration = LineEditorConfiguration(
  prompt: "(probe) ",
  historyPath: historyPath,
  completion: completion,
  onInterrupt: { interruption in
    guard let editor = editorBox.withLockedValue({ $0 }) else { return }
    switch interruption {
    case .pending:
      pending.withLockedValue { $0 = false }
      editor.print("interrupted")
      editor.setInputEnabled(true)
    case .prompt(let discarded):
      editor.print("cleared: [\(discarded)]")
    }
  },
  outputLimit: outputLimit
)

let editor: LineEditor
do {
  editor = try LineEditor(configuration: configuration)
} catch {
  FileHandle.standardError.write(Data("probe: \(error)\n".utf8))
  // Given back before exiting: in an AddressSanitizer build the leak check at exit reads /proc
  // and, with no descriptor left, fails the process (status 1) instead of letting it end.
  for fd in exhaustedDescriptors { close(fd) }
  exit(3)
}
editorBox.withLockedValue { $0 = editor }

if let fifoPath {
  Thread.detachNewThread {
    let descriptor = open(fifoPath, O_RDONLY)
    guard descriptor >= 0 else { return }
    var pendingBytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count <= 0 { return }
      pendingBytes.append(contentsOf: buffer[0..<count])
      while let newline = pendingBytes.firstIndex(of: UInt8(ascii: "\n")) {
        let line = String(decoding: pendingBytes[..<newline], as: UTF8.self)
        pendingBytes.removeSubrange(...newline)
        switch line {
        case "!stop":
          editor.stop()
          continue
        case "!disable":
          editor.setInputEnabled(false)
          editor.print("disabled")
          continue
        case "!enable":
          editor.print("enabled")
          editor.setInputEnabled(true)
          continue
        default:
          break
        }
        editor.print("event: " + TerminalText.sanitized(line))
        if takePending() {
          editor.print("released")
          editor.setInputEnabled(true)
        }
      }
    }
  }
}

@Sendable func handle(_ line: String) {
  if line == "wait" {
    pending.withLockedValue { $0 = true }
    editor.setInputEnabled(false)
    editor.print("waiting")
  } else if line.hasPrefix("prompt ") {
    editor.setPrompt(String(line.dropFirst("prompt ".count)) + " ")
  } else if line == "size" {
    var rows: Int32 = 0
    var columns: Int32 = 0
    rl_get_screen_size(&rows, &columns)
    editor.print("size: \(rows)x\(columns)")
  } else if line == "quit" {
    Thread.detachNewThread { editor.stop() }
  } else if line == "again" {
    do {
      let second = try LineEditor(configuration: LineEditorConfiguration(historyPath: nil))
      _ = try second.run { _ in }
      editor.print("second editor ran")
    } catch {
      editor.print("second editor: \(error)")
    }
  } else if line.hasPrefix("flood ") {
    let count = Int(line.dropFirst("flood ".count)) ?? 0
    Thread.detachNewThread {
      for index in 0..<count { editor.print("flood \(index)") }
      editor.print("flood done")
    }
  } else {
    editor.print("got: [\(line)]")
  }
}

let reason: LineEditor.ExitReason
do {
  if ownThread {
    reason = try await editor.runOnOwnThread(onLine: handle)
    editor.print("ran on its own thread")
  } else {
    reason = try editor.run(onLine: handle)
  }
} catch {
  FileHandle.standardError.write(Data("probe: \(error)\n".utf8))
  exit(4)
}

switch reason {
case .endOfInput:
  editor.print("bye")
  exit(0)
case .stopped:
  editor.print("stopped")
  exit(0)
case .signal(let number):
  editor.print("signal \(number)")
  exit(128 + number)
}
