import Glibc

/// The process environment as a dictionary, read without Foundation (start-up time matters
/// for a tool that CI runs hundreds of times).
public enum ProcessEnvironment {
  /// Every variable. Prefer ``values(of:)``: a one-shot run reads only a handful.
  public static var current: [String: String] {
    var result: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
      let text = String(cString: entry)
      if let equals = text.firstIndex(of: "=") {
        result[String(text[..<equals])] = String(text[text.index(after: equals)...])
      }
      pointer += 1
    }
    return result
  }

  /// The variables called `names` that are set (empty values included), looked up one by one
  /// with `getenv` instead of copying the whole environment.
  public static func values(of names: [String]) -> [String: String] {
    var result: [String: String] = [:]
    for name in names {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }
}
