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
    configuration.inboundBufferLimit = min(configuration.inboundBufferLimit, 8)
    let client = QMPClient(configuration: configuration)
    options.wireLog?.attach(to: client)
    // Subscribed before connecting: an event that arrives between the handshake and the
    // first command is still printed, and `--wait-event` can match it.
    let transcript = client.transcript(bufferLimit: 4096, overflow: .suspendReader)
    do {
      try await connector.connect(client, to: endpoint)
    } catch let error as ShellError {
      transcript.cancel()
      diagnostics.error(error.message)
      return error.status
    } catch {
      transcript.cancel()
      diagnostics.error(
        Task.isCancelled
          ? "interrupted while connecting" : "cannot connect to \(endpoint): \(error)")
      return Task.isCancelled ? .interrupted : .cannotConnect
    }
    let runner = ScriptRunner(options: options, diagnostics: diagnostics)
    let status = await runner.run(client: client, transcript: transcript)
    return Task.isCancelled && status == .success ? .interrupted : status
  }
}
