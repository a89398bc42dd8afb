import QMPClient

/// Fetches the server's QMP schema once, for typing shorthand values and for completion.
enum SchemaLoader {
  /// The schema, or nil when the server has none to give (qemu-ga, a failed query): the
  /// command language then types values by their form, which is never wrong, only less helpful.
  ///
  /// `timeout` is the user's `--timeout`: it bounds every wait, this implicit one too (a
  /// server that stopped answering must not hold a `--timeout 1` run for the default 30 s).
  static func load(from client: QMPClient, diagnostics: Diagnostics, timeout: Duration? = nil)
    async -> QMPSchema?
  {
    do {
      let json = try await client.execute(
        "query-qmp-schema", timeout: min(timeout ?? .seconds(30), .seconds(30)))
      return try QMPSchema(json: json)
    } catch {
      client.logger.debug("no schema: \(error)")
      return nil
    }
  }
}
