import QMPClient

/// Where a session's peer comes from: a socket to dial, an address to listen on (`--listen`),
/// or a QEMU the shell starts itself (`--launch`).
///
/// Script mode and the interactive shell both run through ``run(retryFor:environment:diagnostics:session:)``,
/// so launching, listening and the cleanup that goes with them are written once.
public enum SessionTarget: Sendable, Hashable {
  case connect(Endpoint)
  case listen(Endpoint)
  case launch(LaunchSpec)

  /// Runs `session` with the endpoint and connector it must use, and returns its status.
  ///
  /// For `.launch`: starts QEMU first (a binary that cannot start is status 3); the connector
  /// retries until the socket is up, gives up at once if QEMU exits; when the session ends,
  /// however it ends (including cancellation by a signal), QEMU is stopped and its directory
  /// removed before this returns. A QEMU that exited on its own is reported with its status
  /// and the last lines of its output.
  ///
  /// - Parameter retryFor: for `.connect`, how long to retry a missing socket (nil: once);
  ///   `.launch` always retries, for this long or 10 s.
  public func run(
    retryFor: Duration?, environment: [String: String] = [:],
    diagnostics: Diagnostics = Diagnostics(),
    session: @escaping @Sendable (Endpoint, Connector) async -> ExitStatus
  ) async -> ExitStatus {
    switch self {
    case .connect(let endpoint):
      return await session(endpoint, Connector(retryFor: retryFor))
    case .listen(let endpoint):
      var connector = Connector()
      connector.listens = true
      return await session(endpoint, connector)
    case .launch(let spec):
      return await Self.runLaunched(
        spec, retryFor: retryFor ?? .seconds(10), environment: environment,
        diagnostics: diagnostics, session: session)
    }
  }

  private static func runLaunched(
    _ spec: LaunchSpec, retryFor: Duration, environment: [String: String],
    diagnostics: Diagnostics,
    session: @escaping @Sendable (Endpoint, Connector) async -> ExitStatus
  ) async -> ExitStatus {
    // Signals left at their default action would kill the shell with QEMU still running (the
    // interactive editor restores the default when it stops, right when a hang-up delivers
    // its second SIGHUP); ignored, the session's own handlers still see them.
    let signals = ShutdownSignalGuard()
    defer { signals.release() }
    let qemu: LaunchedQEMU
    do {
      qemu = try LaunchedQEMU.start(spec, environment: environment)
    } catch {
      diagnostics.error(error.message)
      return error.status
    }
    var connector = Connector(retryFor: retryFor)
    connector.abandon = {
      guard qemu.exit != nil else { return nil }
      return ShellError(
        .cannotConnect, "\(spec.displayName) ended before its QMP socket was ready")
    }
    let running = Task { await session(qemu.endpoint, connector) }
    let status = await withTaskCancellationHandler {
      await running.value
    } onCancel: {
      running.cancel()
    }
    // A QEMU that died usually ends the session (connection lost) a moment before the reaper
    // has collected it: wait briefly so the report below can say how it ended.
    if status == .cannotConnect || status == .connectionLost {
      _ = await Task { await qemu.waitForExit(limit: .seconds(2)) }.value
    }
    // A clean exit mid-session is a `quit` (the session said so already); before the socket
    // was up it needs explaining (`-version`, `-help` and the like print and exit 0).
    if let exit = qemu.exit, exit != .exited(0) || status == .cannotConnect {
      report(qemu, exit: exit, diagnostics: diagnostics)
    }
    await qemu.shutdown()
    return status
  }

  /// "qemu-system-x86_64 exited with status 1; its last output:" and then those lines.
  static func report(_ qemu: LaunchedQEMU, exit: ProcessExit, diagnostics: Diagnostics) {
    let tail = qemu.outputTail()
    diagnostics.error(
      "\(qemu.spec.displayName) \(exit)" + (tail.isEmpty ? "" : "; its last output:"))
    for line in tail { diagnostics.error("  " + line) }
  }
}
