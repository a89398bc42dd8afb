/// One thing ``JSONStreamDecoder/nextQMP()`` found.
public enum QMPStreamItem: Sendable, Hashable {
  /// A QMP event read without building its tree (see ``QMPEvent/compactJSON``).
  case event(QMPEvent)
  /// Anything else, as ``JSONStreamDecoder/next()`` returns it.
  case item(JSONStreamItem)
}
