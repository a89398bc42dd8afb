/// What a subscription does when its buffer is full and another item arrives.
public enum OverflowPolicy: Sendable, Hashable {
  /// Drop the oldest buffered item to make room and count it. Event subscriptions report the
  /// count in ``EventSubscription/droppedCount``; a transcript also inserts a
  /// ``TranscriptEntry/dropped(_:)`` entry where the gap is. Memory stays bounded and the
  /// session never waits for this subscriber: the default, because a forgotten subscription
  /// must not stall every command.
  case dropOldest
  /// Back-pressure: the client stops reading from the socket while this subscriber's buffer is
  /// full, so nothing is lost and memory stays bounded. Replies to commands also wait, so the
  /// subscriber must be read by a task that does not itself wait for those replies (the
  /// shell's output task does this). Dropping the subscription releases the reader.
  case suspendReader
}
