import QMPClient

/// A connected client and its transcript: what both script mode and the REPL start from.
struct OpenSession {
  let client: QMPClient
  let transcript: TranscriptSubscription

  /// Creates the client, subscribes its transcript *before* connecting (so an event that
  /// arrives between the handshake and the first command is neither lost nor missed by
  /// `--wait-event`), attaches the `-l` log, and connects. On failure the one-line reason is
  /// reported and the exit status returned.
  static func open(
    endpoint: Endpoint, configuration: QMPClient.Configuration, connector: Connector,
    wireLog: WireLog?, diagnostics: Diagnostics
  ) async -> Result<OpenSession, ShellError> {
    await open(
      QMPClient(configuration: configuration), endpoint: endpoint, connector: connector,
      wireLog: wireLog, diagnostics: diagnostics)
  }

  /// Like the other `open`, with a client the caller made (to learn its executor first).
  static func open(
    _ client: QMPClient, endpoint: Endpoint, connector: Connector, wireLog: WireLog?,
    diagnostics: Diagnostics
  ) async -> Result<OpenSession, ShellError> {
    wireLog?.attach(to: client)
    let transcript = client.transcript(bufferLimit: 256, overflow: .suspendReader)
    do {
      try await connector.connect(client, to: endpoint)
      return .success(OpenSession(client: client, transcript: transcript))
    } catch {
      transcript.cancel()
      let failure =
        error as? ShellError
        ?? (Task.isCancelled
          ? ShellError(.interrupted, "interrupted while connecting")
          : ShellError(.cannotConnect, "cannot connect to \(endpoint): \(error)"))
      diagnostics.error(failure.message)
      return .failure(failure)
    }
  }
}
