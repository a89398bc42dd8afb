#if canImport(Glibc)
  import Glibc
#endif

/// How a `LineEditor` behaves. Everything here is fixed for the editor's life except the
/// prompt, which `LineEditor.setPrompt` changes.
public struct LineEditorConfiguration: Sendable {
  /// The first prompt. Invisible sequences (colours) must be wrapped in `\u{01}`…`\u{02}` so
  /// readline can compute the prompt's width.
  public var prompt: String
  /// The history file; nil keeps history in memory only.
  public var historyPath: String?
  /// How many entries the history (in memory and on disk) keeps.
  public var historyLimit: Int
  /// Tab completion; nil disables it (Tab then inserts nothing).
  public var completion: CompletionProvider?
  /// Called on the editor's thread when the user presses Ctrl-C.
  public var onInterrupt: (@Sendable (LineEditor.Interruption) -> Void)?
  /// Bytes of output that may wait for the terminal before new messages are dropped.
  public var outputLimit: Int

  public init(
    prompt: String = "(QEMU) ",
    historyPath: String? = LineEditorConfiguration.defaultHistoryPath(),
    historyLimit: Int = 1000,
    completion: CompletionProvider? = nil,
    onInterrupt: (@Sendable (LineEditor.Interruption) -> Void)? = nil,
    outputLimit: Int = 16 << 20
  ) {
    self.prompt = prompt
    self.historyPath = historyPath
    self.historyLimit = historyLimit
    self.completion = completion
    self.onInterrupt = onInterrupt
    self.outputLimit = outputLimit
  }

  /// `~/.qmp-shell_history` (the file python's qmp-shell uses, so old history carries over),
  /// or nil when `HOME` is unset.
  public static func defaultHistoryPath() -> String? {
    guard let home = getenv("HOME"), home.pointee != 0 else { return nil }
    let directory = String(cString: home)
    return directory.hasSuffix("/")
      ? directory + ".qmp-shell_history" : directory + "/.qmp-shell_history"
  }
}
