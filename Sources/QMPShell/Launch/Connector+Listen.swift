import AsyncProtocol
import QMPClient

extension Connector {
  /// `--listen`: waits for exactly one peer (a QEMU started with `server=off`) on `endpoint`,
  /// bounded by the client's connect timeout; failures become exit status 3 with one line.
  func accept(_ client: QMPClient, on endpoint: Endpoint) async throws {
    do {
      try await client.accept(on: endpoint)
    } catch let error as ConnectError where error.phase == .transport {
      if let timeout = error.underlying as? ConnectTimeoutError {
        throw ShellError(
          .cannotConnect, "nothing connected to \(endpoint) within \(timeout.timeout.secondsText)")
      }
      throw ShellError(
        .cannotConnect, "cannot listen on \(endpoint): \(ErrorText.describe(error.underlying))")
    } catch let error as ConnectError {
      throw ShellError(
        .cannotConnect,
        "cannot set up a session with the peer on \(endpoint): \(ErrorText.handshake(error.underlying, client: client))"
      )
    } catch is CancellationError {
      throw ShellError(.interrupted, "interrupted while waiting for a connection")
    } catch {
      throw ShellError(.cannotConnect, "cannot listen on \(endpoint): \(error)")
    }
  }
}
