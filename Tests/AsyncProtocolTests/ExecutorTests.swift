import AsyncProtocol
import NIOCore
import NIOPosix
import Synchronization
import Testing

/// The session works on its socket's event loop, and so does a caller that prefers the
/// session's `taskExecutor`: that is what lets a lock-step command get its reply without a
/// thread switch.
@Suite struct ExecutorTests {
  /// Records the thread each message is handed over on, as an event-loop identity.
  private final class LoopRecorder: Sendable {
    private let seen = Mutex<[ObjectIdentifier?]>([])

    func record() {
      let loop = MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
      seen.withLock { $0.append(loop) }
    }

    var loops: [ObjectIdentifier?] { seen.withLock { $0 } }
  }

  @Test func readerAndAPreferringCallerRunOnTheSameEventLoop() async throws {
    try await withTimeout {
      let dir = makeTempDir()
      defer { removeTempDir(dir) }
      let recorder = LoopRecorder()
      let inbox = Inbox()
      let forward = inbox.handler
      let session = ProtocolSession(
        codec: LineCodec(), logger: quietLogger,
        onEvent: { event in
          recorder.record()
          await forward(event)
        })
      let (endpoint, peer) = try await RawPeer.serve(on: .unix(path: "\(dir)/e.sock")) {
        inbound, outbound in
        try await outbound.write("one\ntwo\n")
        return try await RawPeer.readLines(inbound)
      }
      let callerLoop = try await withTaskExecutorPreference(session.taskExecutor) {
        try await session.connect(to: endpoint)
        #expect(try await inbox.messages(2) == ["one", "two"])
        try await session.send("done")
        return MultiThreadedEventLoopGroup.currentEventLoop.map { ObjectIdentifier($0) }
      }
      try await session.disconnect()
      #expect(try await peer.value == ["done"])

      let readerLoops = recorder.loops
      #expect(readerLoops.count >= 2)
      #expect(callerLoop != nil, "a task that prefers taskExecutor runs on an event loop")
      #expect(readerLoops.allSatisfy { $0 != nil && $0 == callerLoop })
    }
  }

  @Test func withoutThePreferenceACallerStaysOffTheLoop() async throws {
    let (session, _) = makeSession()
    let inside = await withTaskExecutorPreference(session.taskExecutor) {
      MultiThreadedEventLoopGroup.currentEventLoop != nil
    }
    let outside = await Task.detached { MultiThreadedEventLoopGroup.currentEventLoop != nil }.value
    #expect(inside)
    #expect(!outside)
  }
}
