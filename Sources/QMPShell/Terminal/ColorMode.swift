#if canImport(Glibc)
  import Glibc
#endif

/// When to colour output: the value of a `--color` option.
public enum ColorMode: String, Sendable, CaseIterable, CustomStringConvertible {
  /// Colour only when a person is likely to look at it (see `resolve`).
  case auto
  case always
  case never

  public var description: String { rawValue }

  /// Decides whether to colour, from explicit facts (testable without a terminal).
  ///
  /// `auto` colours when the output is a terminal, `NO_COLOR` is unset or empty
  /// (https://no-color.org) and `TERM` is not `dumb`.
  public func resolve(isTerminal: Bool, environment: [String: String]) -> Bool {
    switch self {
    case .always: return true
    case .never: return false
    case .auto:
      guard isTerminal else { return false }
      if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
      if environment["TERM"] == "dumb" { return false }
      return true
    }
  }

  /// Decides whether to colour what is written to `descriptor`, from the process environment.
  public func resolve(forDescriptor descriptor: Int32 = STDOUT_FILENO) -> Bool {
    var environment: [String: String] = [:]
    for name in ["NO_COLOR", "TERM"] {
      if let value = getenv(name) { environment[name] = String(cString: value) }
    }
    return resolve(isTerminal: isatty(descriptor) == 1, environment: environment)
  }
}
