import QMPClient

/// Fetches the server's QMP schema once, for typing shorthand values and for completion.
enum SchemaLoader {
  /// The schema, or nil when the server has none to give (qemu-ga, a failed query): the
  /// command language then types values by their form, which is never wrong, only less helpful.
  static func load(from client: QMPClient, diagnostics: Diagnostics) async -> QMPSchema? {
    do {
      let json = try await client.execute("query-qmp-schema", timeout: .seconds(30))
      return try QMPSchema(json: json)
    } catch {
      client.logger.debug("no schema: \(error)")
      return nil
    }
  }
}
