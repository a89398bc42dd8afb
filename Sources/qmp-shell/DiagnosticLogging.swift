import Logging
import QMPShell

/// Library logging (state changes, wire traffic at trace) is for debugging qmp-shell itself:
/// off unless `QMP_SHELL_LOG=trace|debug|info|notice|warning|error` asks for it, so that
/// stderr carries only the shell's own one-line `qmp-shell: ` messages.
enum DiagnosticLogging {
  static func bootstrap(environment: [String: String]) {
    guard
      let level = environment["QMP_SHELL_LOG"].flatMap({ Logger.Level(rawValue: $0.lowercased()) })
    else {
      // Nothing logs at `critical`, the level used to stand for "off": a handler that drops
      // everything is the same output, without the stream handler's set-up per logger.
      LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
      return
    }
    LoggingSystem.bootstrap { label in
      var handler = StreamLogHandler.standardError(label: label)
      handler.logLevel = level
      return handler
    }
  }
}
