import QMPClient
import QMPCodec

/// What the interactive shell needs for `--agent`: qemu-ga has no `query-qmp-schema` and no
/// `query-commands`, but `guest-info` lists its commands and whether each is enabled.
public enum GuestAgentCommands {
  /// The prompt in agent mode, so a user never mistakes the guest agent for QEMU's monitor.
  public static let prompt = "(QGA) "

  /// The enabled command names, sorted, for completion; empty if `guest-info` fails (the
  /// shell still works, it only completes nothing).
  public static func names(from client: QMPClient, timeout: Duration = .seconds(5)) async
    -> [String]
  {
    do {
      return names(fromGuestInfo: try await client.execute("guest-info", timeout: timeout))
    } catch {
      client.logger.debug("no command list from guest-info: \(error)")
      return []
    }
  }

  /// The enabled command names in a `guest-info` return value, sorted. Commands blocked with
  /// `qemu-ga -b` are listed with `"enabled": false` and left out: they can only fail.
  public static func names(fromGuestInfo info: JSONValue) -> [String] {
    guard let commands = info["supported_commands"]?.arrayValue else { return [] }
    return commands.compactMap { command -> String? in
      guard let name = command["name"]?.stringValue, command["enabled"] != false else {
        return nil
      }
      return name
    }.sorted()
  }
}
