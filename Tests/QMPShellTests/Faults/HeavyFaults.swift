import Testing

/// The fault tests that move tens of megabytes or hundreds of thousands of messages (the
/// 100 MB messages, the event flood, the deaf and the vanishing peer) run one at a time: the
/// fake servers share this process's two cores with every other test, and several heavy runs
/// at once starve the light tests' servers past their sub-second timeouts.
@Suite(.serialized) enum HeavyFaults {}
