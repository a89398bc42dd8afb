import Foundation
import NIOCore
import QMPCodec

/// One client connection of a ``FakeQMPServer``: reads commands and runs the script's steps.
///
/// Writes go straight to the channel (not through the async writer) so that the script, its
/// detached steps and ``FakeQMPServer/perform(_:)`` can all write; each message is one write,
/// so messages never interleave.
struct FakeQMPConnection: Sendable {
  let server: FakeQMPServer
  let channel: any Channel

  private var script: FakeQMPServer.Script { server.script }

  static func serve(
    _ connection: NIOAsyncChannel<ByteBuffer, ByteBuffer>, server: FakeQMPServer
  ) async {
    let this = FakeQMPConnection(server: server, channel: connection.channel)
    try? await connection.executeThenClose { inbound, _ in
      guard await this.sendGreeting(), await this.run(server.script.onConnect, request: nil)
      else { return }
      guard server.script.readsInput else {
        try? await connection.channel.closeFuture.get()
        return
      }
      var decoder = JSONStreamDecoder()
      for try await buffer in inbound {
        server.update { $0.bytesReceived += buffer.readableBytes }
        buffer.withUnsafeReadableBytes { decoder.append($0) }
        while let item = decoder.next() {
          guard await this.handle(item) else { return }
        }
      }
      if let item = decoder.finish() { _ = await this.handle(item) }
    }
  }

  private func sendGreeting() async -> Bool {
    switch script.greeting {
    case .none: return true
    case .qemu(let capabilities):
      return await send(FakeQMPServer.Greeting.qemuJSON(capabilities: capabilities))
    case .json(let value): return await send(value)
    case .bytes(let bytes): return await write(bytes)
    }
  }

  /// Returns false once the connection is closed.
  private func handle(_ item: JSONStreamItem) async -> Bool {
    switch item {
    case .resetMarker:
      server.update { $0.resetMarkers += 1 }
      return true
    case .error(let error):
      server.update { $0.malformedInputs += 1 }
      return await run(script.onMalformedInput(error), request: nil)
    case .value(let json):
      let command: QMPCommand
      do {
        command = try QMPCommand(json: json)
      } catch {
        server.update { $0.invalidCommands += 1 }
        let id: FakeQMPServer.ReplyID = json["id"].map { .value($0) } ?? .none
        return await run([.error(class: "GenericError", desc: "\(error)", id: id)], request: nil)
      }
      server.record(command)
      return await run(await script.respond(command), request: command)
    }
  }

  /// Runs `actions` in order; returns false once the connection is closed.
  func run(_ actions: [FakeQMPServer.Action], request: QMPCommand?) async -> Bool {
    for action in actions {
      switch action {
      case .return(let value, let id):
        var reply: JSONObject = ["return": value]
        if let id = resolve(id, request) { reply["id"] = id }
        guard await send(.object(reply)) else { return false }
      case .error(let errorClass, let desc, let id):
        var reply: JSONObject = [:]
        if let id = resolve(id, request) { reply["id"] = id }
        reply["error"] = ["class": .string(errorClass), "desc": .string(desc)]
        guard await send(.object(reply)) else { return false }
      case .event(let name, let data):
        guard await send(Self.event(name, data: data)) else { return false }
      case .eventFlood(let name, let data, let count):
        guard await flood(name, data: data, count: count) else { return false }
      case .message(let value):
        guard await send(value) else { return false }
      case .bytes(let bytes):
        guard await write(bytes) else { return false }
      case .delay(let duration):
        try? await Task.sleep(for: duration)
      case .wait(let signal):
        await waitWhileOpen(for: signal)
      case .fire(let signal):
        signal.fire()
      case .detached(let steps):
        Task(executorPreference: server.executor) { _ = await self.run(steps, request: request) }
      case .disconnect:
        try? await channel.close()
        return false
      case .repeated(let chunk, let count):
        guard await repeatWrite(chunk, count: count) else { return false }
      case .stopReading:
        // Input is read by the loop that runs this script: holding the script holds the
        // reading, and NIO's back-pressure then stops reading the socket.
        try? await channel.closeFuture.get()
        return false
      }
    }
    // Not `channel.isActive`: an accepted channel can be handed over before it is active.
    return true
  }

  private func resolve(_ id: FakeQMPServer.ReplyID, _ request: QMPCommand?) -> JSONValue? {
    switch id {
    case .echo: return request?.id
    case .none: return nil
    case .value(let value): return value
    }
  }

  /// Waits for `signal`, but not beyond the connection's life (no task outlives the server).
  private func waitWhileOpen(for signal: AsyncSignal) async {
    let done = AsyncSignal()
    let watcher = Task(executorPreference: server.executor) {
      await signal.wait()
      done.fire()
    }
    channel.closeFuture.whenComplete { _ in done.fire() }
    await done.wait()
    watcher.cancel()
  }

  static func event(_ name: String, data: JSONObject?) -> JSONValue {
    let now = Date().timeIntervalSince1970
    let seconds = Int64(now)
    let microseconds = Int64((now - Double(seconds)) * 1_000_000)
    var event: JSONObject = [
      "timestamp": ["seconds": .int(seconds), "microseconds": .int(microseconds)],
      "event": .string(name),
    ]
    if let data { event["data"] = .object(data) }
    return .object(event)
  }

  private func flood(_ name: String, data: JSONObject?, count: Int) async -> Bool {
    var message: [UInt8] = []
    Self.event(name, data: data).write(to: &message)
    message.append(contentsOf: script.lineEnding.utf8)
    let perChunk = max(1, 64 * 1024 / message.count)
    var remaining = count
    var chunk: [UInt8] = []
    chunk.reserveCapacity(perChunk * message.count)
    while remaining > 0 {
      let now = min(perChunk, remaining)
      chunk.removeAll(keepingCapacity: true)
      for _ in 0..<now { chunk.append(contentsOf: message) }
      guard await write(chunk) else { return false }
      remaining -= now
    }
    return true
  }

  private func repeatWrite(_ chunk: [UInt8], count: Int) async -> Bool {
    guard !chunk.isEmpty, count > 0 else { return true }
    let perWrite = max(1, 256 * 1024 / chunk.count)
    var buffer = channel.allocator.buffer(capacity: perWrite * chunk.count)
    for _ in 0..<perWrite { buffer.writeBytes(chunk) }
    var remaining = count
    while remaining > 0 {
      let now = min(perWrite, remaining)
      let slice = buffer.getSlice(at: 0, length: now * chunk.count)!
      do {
        try await channel.writeAndFlush(slice)
      } catch {
        return false
      }
      remaining -= now
    }
    return true
  }

  private func send(_ value: JSONValue) async -> Bool {
    var bytes: [UInt8] = []
    value.write(to: &bytes)
    bytes.append(contentsOf: script.lineEnding.utf8)
    return await write(bytes)
  }

  private func write(_ bytes: [UInt8]) async -> Bool {
    do {
      try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
      return true
    } catch {
      return false
    }
  }
}
