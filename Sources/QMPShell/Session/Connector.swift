import AsyncProtocol
import QMPClient

/// Opens a client connection the way the command line asked.
public struct Connector: Sendable {
  /// How long to keep retrying a socket that is missing or refuses connections (a job that
  /// has just started QEMU); nil tries once.
  public var retryFor: Duration?
  /// `--listen`: bind the endpoint and take the one peer that dials in, instead of dialling.
  public var listens = false
  /// Asked before each retry; an error ends the retrying with it (a launched QEMU that
  /// exited will never open its socket).
  public var abandon: (@Sendable () -> ShellError?)?

  public init(retryFor: Duration? = nil) {
    self.retryFor = retryFor
  }

  /// Connects `client` to `endpoint`; failures become exit status 3 with one clear line.
  public func connect(_ client: QMPClient, to endpoint: Endpoint) async throws -> Void {
    if listens { return try await accept(client, on: endpoint) }
    let clock = ContinuousClock()
    let deadline = retryFor.map { clock.now + $0 }
    var delay = Duration.milliseconds(20)
    while true {
      do {
        try await client.connect(to: endpoint)
        return
      } catch let error as ConnectError where error.phase == .transport {
        if let abandon, let reason = abandon() { throw reason }
        if let deadline, clock.now < deadline {
          try await Task.sleep(for: min(delay, deadline - clock.now))
          delay = min(delay * 2, .milliseconds(250))
          continue
        }
        throw ShellError(
          .cannotConnect, "cannot connect to \(endpoint): \(ErrorText.describe(error.underlying))")
      } catch let error as ConnectError {
        throw ShellError(
          .cannotConnect,
          "cannot set up a session with \(endpoint): \(ErrorText.handshake(error.underlying, client: client))"
        )
      } catch is CancellationError {
        throw ShellError(.interrupted, "interrupted while connecting")
      } catch {
        throw ShellError(.cannotConnect, "cannot connect to \(endpoint): \(error)")
      }
    }
  }
}
