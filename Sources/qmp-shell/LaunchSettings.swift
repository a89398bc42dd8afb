import QMPClient
import QMPShell

/// The values of `--launch`, `--qemu`, `--listen`, `--agent`, `-N` and QEMU's arguments, and
/// what they mean for the session (see ``LaunchOptions`` for the flags themselves).
struct LaunchSettings: Equatable {
  var launch = false
  var qemu: String?
  var listen = false
  var agent = false
  var skipNegotiation = false
  var qemuArguments: [String] = []

  /// The default of `--connect-timeout`: a listener waits for a person to start QEMU.
  var defaultConnectTimeout: Double { listen ? 60 : 10 }

  /// The dialect options applied to the client's configuration.
  func configure(_ configuration: inout QMPClient.Configuration) {
    if agent { configuration.mode = .guestAgent }
    if skipNegotiation { configuration.negotiation = .skip }
  }

  /// Where the session's peer is. ADDRESS (or `$QMP_SOCKET`) is dialled, or listened on with
  /// `--listen`; `--launch` takes none.
  func target(address: String?, environment: [String: String]) throws(ShellError)
    -> SessionTarget
  {
    if launch {
      if let address {
        throw ShellError(
          .usage,
          "--launch starts its own QEMU and takes no ADDRESS (got '\(address)'); put QEMU's arguments after --"
        )
      }
      return .launch(
        LaunchSpec(executable: qemu ?? "qemu-system-x86_64", arguments: qemuArguments))
    }
    guard
      let address = address ?? environment["QMP_SOCKET"].flatMap({ $0.isEmpty ? nil : $0 })
    else {
      throw ShellError(
        .usage,
        listen
          ? "--listen needs an ADDRESS to listen on (a UNIX socket path or HOST:PORT)"
          : "no QMP socket given: pass a socket path or HOST:PORT, or set QMP_SOCKET")
    }
    let endpoint: Endpoint
    do {
      endpoint = try Endpoint(parsing: address)
    } catch {
      throw ShellError(.usage, "\(error)")
    }
    return listen ? .listen(endpoint) : .connect(endpoint)
  }
}
