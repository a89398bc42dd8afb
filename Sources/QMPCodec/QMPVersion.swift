/// QEMU's version as the greeting states it (`{"major": 7, "minor": 2, "micro": 22}`).
public struct QMPVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var major: Int
  public var minor: Int
  public var micro: Int

  public init(major: Int, minor: Int, micro: Int) {
    self.major = major
    self.minor = minor
    self.micro = micro
  }

  public static func < (lhs: QMPVersion, rhs: QMPVersion) -> Bool {
    (lhs.major, lhs.minor, lhs.micro) < (rhs.major, rhs.minor, rhs.micro)
  }

  /// `7.2.22`, as QEMU prints it.
  public var description: String { "\(major).\(minor).\(micro)" }
}
