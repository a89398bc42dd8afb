import NIOConcurrencyHelpers

/// What tab completion knows about the server, filled in as it is learnt (the schema arrives
/// a moment after the prompt) and read by the line editor's thread on each Tab.
final class CompletionModel: Sendable {
  private struct State {
    var schema: QMPSchema?
    var prompt: Prompt = .command
    var hmpCommands: [String] = []
    var infoTopics: [String] = []
    /// Guest-agent mode: command names from `guest-info` (qemu-ga has no schema).
    var agentCommands: [String] = []
  }

  private let state = NIOLockedValueBox(State())
  let mode: CommandReader.Mode

  init(mode: CommandReader.Mode) {
    self.mode = mode
  }

  var schema: QMPSchema? { state.withLock { $0.schema } }

  func setSchema(_ schema: QMPSchema?) { state.withLock { $0.schema = schema } }

  func setPrompt(_ prompt: Prompt) { state.withLock { $0.prompt = prompt } }

  func setAgentCommands(_ commands: [String]) { state.withLock { $0.agentCommands = commands } }

  func setHMPCommands(_ commands: [String], infoTopics: [String]) {
    state.withLock {
      $0.hmpCommands = commands
      $0.infoTopics = infoTopics
    }
  }

  /// Candidates for the word under the cursor. Never blocks: it runs on the editor's thread.
  func complete(_ request: CompletionRequest) -> [CompletionCandidate] {
    let text = String(request.line[..<request.cursor])
    let (schema, prompt, hmpCommands, infoTopics, agentCommands) = state.withLock {
      ($0.schema, $0.prompt, $0.hmpCommands, $0.infoTopics, $0.agentCommands)
    }
    let context = CompletionContext(before: text, prompt: prompt, mode: mode)
    if case .metaCommand(let prefix) = context {
      return [".exit", ".help", ".quit"].filter { $0.hasPrefix(prefix) }.map {
        CompletionCandidate($0)
      }
    }
    if mode == .hmp {
      return hmpCandidates(text: text, commands: hmpCommands, infoTopics: infoTopics)
    }
    // `.help COMMAND` completes command names.
    let trimmed = text.drop { $0 == " " || $0 == "\t" }
    if trimmed.hasPrefix(".help ") {
      let word = String(request.word)
      return (schema?.commandNames ?? []).filter { $0.hasPrefix(word) }.map {
        CompletionCandidate($0)
      }
    }
    guard let schema else {
      if case .commandName(let prefix) = context {
        return agentCommands.filter { $0.hasPrefix(prefix) }.map { CompletionCandidate($0) }
      }
      return []
    }
    return schema.completions(for: context).map { CompletionCandidate($0) }
  }

  private func hmpCandidates(text: String, commands: [String], infoTopics: [String])
    -> [CompletionCandidate]
  {
    let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
    let endsInBlank = text.last == " " || text.last == "\t"
    if words.isEmpty || (words.count == 1 && !endsInBlank) {
      let prefix = words.first ?? ""
      return commands.filter { $0.hasPrefix(prefix) }.map { CompletionCandidate($0) }
    }
    if words[0] == "info" && (words.count == 1 || (words.count == 2 && !endsInBlank)) {
      let prefix = words.count == 2 ? words[1] : ""
      return infoTopics.filter { $0.hasPrefix(prefix) }.map { CompletionCandidate($0) }
    }
    return []
  }
}
