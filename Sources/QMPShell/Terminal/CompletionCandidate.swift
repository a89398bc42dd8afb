/// One word the completion provider offers.
public struct CompletionCandidate: Sendable, Hashable {
  /// The full word that replaces the word being completed.
  public var text: String
  /// Whether a space follows when this candidate is the only match. `key=` candidates say no,
  /// so the user can type the value right away.
  public var appendsSpace: Bool

  /// By default a candidate ending in `=` or `.` (an argument name, a dotted-key prefix) gets no
  /// trailing space; everything else does.
  public init(_ text: String, appendsSpace: Bool? = nil) {
    self.text = text
    self.appendsSpace = appendsSpace ?? !(text.hasSuffix("=") || text.hasSuffix("."))
  }
}

/// What the completion provider is asked: the whole line and where the word being completed is.
///
/// Words are separated by blanks and `=`, so in `device_add driver=vir` the word is `vir` and
/// `textBeforeWord` is `device_add driver=`; in `blockdev-add file.fil` the word is `file.fil`.
public struct CompletionRequest: Sendable, Hashable {
  /// The whole line being edited.
  public var line: String
  /// Where the word being completed starts in `line`.
  public var wordStart: String.Index
  /// The cursor position in `line` (the end of the word).
  public var cursor: String.Index

  public init(line: String, wordStart: String.Index, cursor: String.Index) {
    self.line = line
    self.wordStart = wordStart
    self.cursor = cursor
  }

  /// The part of the word before the cursor: candidates must start with it.
  public var word: Substring { line[wordStart..<cursor] }
  /// Everything before the word: the command name and the arguments already typed.
  public var textBeforeWord: Substring { line[..<wordStart] }
}

/// The completion hook: returns the candidates for a request. Candidates not starting with
/// `request.word` are dropped by the editor, so a provider may return a whole list unfiltered.
/// Called on the line editor's thread while the user waits: it must be fast and must not block.
public typealias CompletionProvider = @Sendable (CompletionRequest) -> [CompletionCandidate]
