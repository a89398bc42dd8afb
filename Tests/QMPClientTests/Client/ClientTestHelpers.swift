import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

extension Endpoint {
  /// The client's endpoint for a test peer's address.
  init(_ address: PeerAddress) {
    switch address {
    case .unix(let path): self = .unix(path: path)
    case .tcp(let host, let port): self = .tcp(host: host, port: port)
    }
  }
}

/// Connects a client to `address`, runs `body`, and always disconnects (errors of the
/// disconnect itself are ignored here; tests that care call `disconnect()` themselves).
func withClient<R: Sendable>(
  _ address: PeerAddress,
  _ configuration: QMPClient.Configuration = .init(),
  _ body: @escaping @Sendable (QMPClient) async throws -> R
) async throws -> R {
  let client = QMPClient(configuration: configuration)
  try await client.connect(to: Endpoint(address))
  do {
    let result = try await body(client)
    try? await client.disconnect()
    return result
  } catch {
    try? await client.disconnect()
    throw error
  }
}

/// Collects transcript entries until `stop` says so (inclusive), bounded by the caller.
func collect(
  _ transcript: TranscriptSubscription, until stop: (TranscriptEntry) -> Bool
) async -> [TranscriptEntry] {
  var entries: [TranscriptEntry] = []
  for await entry in transcript {
    entries.append(entry)
    if stop(entry) { break }
  }
  return entries
}

/// A compact, comparable summary of a transcript entry, for order checks.
func label(_ entry: TranscriptEntry) -> String {
  switch entry {
  case .greeting: return "greeting"
  case .event(let event): return "event \(event.name)"
  case .reply(let reply, let disposition):
    let id = reply.id?.serialized() ?? "-"
    switch reply.result {
    case .success: return "reply \(id) \(disposition)"
    case .failure(let error): return "error \(id) \(error.errorClass) \(disposition)"
    }
  case .warning(let warning):
    if case .idlessError = warning { return "warning idless" }
    return "warning"
  case .dropped(let count): return "dropped \(count)"
  case .disconnected(let reason): return "disconnected \(reason)"
  }
}

/// An optional error's description, or "" (so a missing error fails the check, not the run).
func describe(_ error: (any Error)?) -> String {
  error.map { "\($0)" } ?? ""
}
