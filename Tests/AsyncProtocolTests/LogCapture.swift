import Logging
import NIOConcurrencyHelpers

/// Where `CapturingLogHandler` keeps the lines it was given ("level message").
final class LogStore: Sendable {
  private let storage = NIOLockedValueBox<[String]>([])

  var lines: [String] { storage.withLockedValue { $0 } }

  func append(_ line: String) {
    storage.withLockedValue { $0.append(line) }
  }
}

/// A log handler for tests: records every line at every level.
struct CapturingLogHandler: LogHandler {
  let store: LogStore
  var metadata: Logger.Metadata = [:]
  var logLevel: Logger.Level = .trace

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(event: LogEvent) {
    store.append("\(event.level) \(event.message)")
  }
}
