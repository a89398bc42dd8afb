import QMPClient

/// Connects and runs one script: the whole of script mode behind one call, so the
/// executable only turns options into values.
public enum ScriptSession {
  /// Runs until the script ends; cancelling the calling task (SIGINT) ends it with
  /// ``ExitStatus/interrupted``.
  public static func run(
    endpoint: Endpoint, configuration: QMPClient.Configuration, connector: Connector,
    options: ScriptOptions, diagnostics: Diagnostics = Diagnostics()
  ) async -> ExitStatus {
    // A few socket reads' worth of parsed messages in flight, not the client's default 256:
    // an event flood then waits in the kernel instead of growing memory (scripts/bench).
    var configuration = configuration
    configuration.inboundBufferLimit = min(configuration.inboundBufferLimit, 2)
    let client = QMPClient(configuration: configuration)
    // The connect, the handshake and every command run on the event loop of the client's
    // socket: a reply read there resumes the command at once, on the same thread (about
    // one context switch per lock-step command instead of six). The runner leaves the loop
    // for reads of standard input that would block.
    return await withTaskExecutorPreference(client.taskExecutor) {
      let session: OpenSession
      switch await OpenSession.open(
        client, endpoint: endpoint, connector: connector, wireLog: options.wireLog,
        diagnostics: diagnostics)
      {
      case .success(let opened): session = opened
      case .failure(let error): return error.status
      }
      let runner = ScriptRunner(options: options, diagnostics: diagnostics)
      let status = await runner.run(client: session.client, transcript: session.transcript)
      return Task.isCancelled && status == .success ? .interrupted : status
    }
  }
}
