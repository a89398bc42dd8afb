import AsyncProtocol
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// A fresh, short directory for UNIX sockets (sun_path is only ~107 bytes).
func makeTempDir() -> String {
  var template = Array("/tmp/ap.XXXXXX".utf8CString)
  let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
  precondition(made != nil, "mkdtemp failed")
  return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Removes a directory made by `makeTempDir` and whatever sockets are left in it.
func removeTempDir(_ path: String) {
  if let dir = opendir(path) {
    while let entry = readdir(dir) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
      }
      if name != "." && name != ".." { unlink("\(path)/\(name)") }
    }
    closedir(dir)
  }
  rmdir(path)
}

/// The first `count` elements of `stream` (fewer if it ends first).
func firstElements<Element>(_ stream: AsyncStream<Element>, count: Int) async -> [Element] {
  var elements: [Element] = []
  guard count > 0 else { return elements }
  for await element in stream {
    elements.append(element)
    if elements.count == count { break }
  }
  return elements
}

/// The first `count` runstates of `stream`.
func firstStates(_ stream: AsyncStream<Runstate>, count: Int) async -> [Runstate] {
  await firstElements(stream, count: count)
}

/// Collects what a session hands its owner, for tests to await one by one.
final class Inbox: Sendable {
  let events: AsyncStream<SessionEvent<String>>
  private let continuation: AsyncStream<SessionEvent<String>>.Continuation

  init() {
    (events, continuation) = AsyncStream.makeStream()
  }

  var handler: @Sendable (SessionEvent<String>) async -> Void {
    { [continuation] event in continuation.yield(event) }
  }

  /// The next `count` messages; fails if a `.failed` event comes first.
  func messages(_ count: Int) async throws -> [String] {
    var result: [String] = []
    guard count > 0 else { return result }
    for await event in events {
      switch event {
      case .message(let message): result.append(message)
      case .failed(let error): throw error
      }
      if result.count == count { break }
    }
    return result
  }

  /// Skips messages until the session reports its failure, and returns it.
  func failure() async -> (any Error)? {
    for await event in events {
      if case .failed(let error) = event { return error }
    }
    return nil
  }
}

/// A session speaking `LineCodec`, with its events collected in an `Inbox`.
func makeSession(
  name: String? = nil, timeout: Duration? = nil, queueLimit: Int = 1024,
  codec: LineCodec = LineCodec(),
  handshake: ProtocolSession<LineCodec>.Handshake? = nil
) -> (ProtocolSession<LineCodec>, Inbox) {
  let inbox = Inbox()
  let session = ProtocolSession(
    codec: codec,
    configuration: SessionConfiguration(
      name: name, connectTimeout: timeout, outboundQueueLimit: queueLimit),
    logger: quietLogger,
    handshake: handshake,
    onEvent: inbox.handler)
  return (session, inbox)
}

/// Keeps test output readable; log content is checked by tests with their own handler.
let quietLogger = Logger(label: "test.protocol", factory: { _ in SwiftLogNoOpLogHandler() })

/// Waits until `session` is in `state`.
func waitFor(_ session: ProtocolSession<LineCodec>, _ state: Runstate) async {
  for await current in session.runstateChanges() where current == state { return }
}

/// The good life cycle, and the one of a failed or cancelled connect, as watchers see them
/// (a watcher starts with the current state).
let goodSequence: [Runstate] = [.idle, .connecting, .running, .disconnecting, .idle]
let badSequence: [Runstate] = [.idle, .connecting, .disconnecting, .idle]

/// How a test opens a session: dialling out or waiting for a peer.
enum Opening: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case connect
  case accept

  var testDescription: String { rawValue }

  func open(_ session: ProtocolSession<LineCodec>, _ endpoint: Endpoint) async throws {
    switch self {
    case .connect: try await session.connect(to: endpoint)
    case .accept: try await session.accept(on: endpoint)
    }
  }
}

/// Runs `body`, expecting it to throw a `ConnectError`, and returns that error.
func expectConnectError(
  sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () async throws -> Void
) async -> ConnectError? {
  do {
    try await body()
    Issue.record("expected a ConnectError, nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as ConnectError {
    return error
  } catch {
    Issue.record("expected a ConnectError, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}
