import AsyncProtocol
import Foundation
import QMPClient
import QMPCodec
import QMPTestSupport
import Testing

/// The client against real qemu-system-x86_64 -machine none and qemu-storage-daemon.
@Suite(.timeLimit(.minutes(1)))
struct QEMUIntegrationTests {
  @Test(arguments: [QEMUConfiguration.Monitor.unix, .tcp])
  func greetsNegotiatesOOBAndQueriesStatus(monitor: QEMUConfiguration.Monitor) async throws {
    try await withQEMU(.systemEmulator(monitors: [monitor])) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          let greeting = try #require(client.greeting)
          #expect(greeting.qemuVersion.major >= 7)
          #expect(greeting.capabilities.contains("oob"))
          #expect(client.isOOBEnabled)
          #expect(client.runstate == .running)
          let status = try await client.execute("query-status")
          // -machine none has no CPU, but its run state is "running" until `stop`.
          #expect(status["status"] == "running")
        }
      }
    }
  }

  @Test func withoutOOBRefusesExecOOB() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address, .init(negotiation: .withoutOOB)) { client in
          #expect(!client.isOOBEnabled)
          await #expect(throws: QMPClientError.self) {
            try await client.execute("migrate-pause", outOfBand: true)
          }
        }
      }
    }
  }

  @Test func execOOBReachesQEMUWhenNegotiated() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          // migrate-pause allows oob; with no migration running QEMU refuses it, by id.
          let reply = try await client.send(QMPCommand("migrate-pause", outOfBand: true))
          guard case .failure(let error) = reply.result else {
            Issue.record("migrate-pause without a migration succeeded: \(reply.json)")
            return
          }
          #expect(error.errorClass == "GenericError")
        }
      }
    }
  }

  @Test func skippedNegotiationLeavesItToTheCaller() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address, .init(negotiation: .skip)) { client in
          #expect(client.greeting != nil)
          let early = await #expect(throws: QMPError.self) {
            try await client.execute("query-status")
          }
          #expect(early?.desc.contains("capabilities negotiation") == true)
          try await client.execute("qmp_capabilities")
          _ = try await client.execute("query-status")
        }
      }
    }
  }

  @Test func unknownCommandThrowsTheQMPError() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          let error = await #expect(throws: QMPError.self) {
            try await client.execute("no-such-command")
          }
          #expect(error?.errorClass == "CommandNotFound")
          #expect(error?.desc.contains("no-such-command") == true)
          // The raw form returns the error reply instead.
          let reply = try await client.send(QMPCommand("no-such-command", id: "mine"))
          #expect(reply.id == "mine")
          #expect(reply.json["error"]?["class"] == "CommandNotFound")
        }
      }
    }
  }

  @Test func stopAndContEventsComeBeforeTheirReplies() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          let transcript = client.transcript(overflow: .suspendReader)
          let (stopReply, stopEvent) = try await client.executeAndWait(
            QMPCommand("stop"), for: .name("STOP"), timeout: .seconds(5))
          #expect(stopEvent.name == "STOP")
          #expect(stopReply.json["return"] == [:])
          let (_, resume) = try await client.executeAndWait(
            QMPCommand("cont", id: "c"), for: .name("RESUME"), timeout: .seconds(5))
          #expect(resume.timestamp != nil)
          let entries = await collect(transcript) {
            if case .reply(let reply, _) = $0 { return reply.id == "c" }
            return false
          }
          let labels = entries.map(label)
          #expect(labels.count == 4)
          #expect(labels.first == "event STOP")
          #expect(labels.dropFirst().first?.hasPrefix("reply") == true)
          #expect(Array(labels.suffix(2)) == ["event RESUME", "reply \"c\" delivered"])
        }
      }
    }
  }

  @Test func concurrentCommandsFromManyTasksGetTheirOwnReplies() async throws {
    try await withQEMU(.systemEmulator(extraArguments: ["-name", "conc"])) { qemu in
      try await withTimeout(.seconds(30)) {
        try await withClient(qemu.address) { client in
          try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
              group.addTask {
                for round in 0..<25 {
                  if (task + round) % 2 == 0 {
                    let name = try await client.execute("query-name")
                    #expect(name["name"] == "conc")
                  } else {
                    let reply = try await client.send(
                      QMPCommand("no-such-\(task)-\(round)", id: .string("t\(task)r\(round)")))
                    #expect(reply.id == .string("t\(task)r\(round)"))
                    #expect(
                      reply.json["error"]?["desc"]?.stringValue?.contains(
                        "no-such-\(task)-\(round)")
                        == true)
                  }
                }
              }
            }
            try await group.waitForAll()
          }
        }
      }
    }
  }

  @Test func largeSchemaReplyArrivesWhole() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          let schema = try await client.execute("query-qmp-schema")
          let entries = try #require(schema.arrayValue)
          #expect(entries.count > 500)
          #expect(schema.serialized().utf8.count > 150_000)
          #expect(entries.contains { $0["name"] == "query-status" })
        }
      }
    }
  }

  @Test func quitIsACleanClose() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(qemu.address))
        let transcript = client.transcript(overflow: .suspendReader)
        let reply = try await client.execute("quit")
        #expect(reply == [:])
        let entries = await collect(transcript) {
          if case .disconnected = $0 { return true }
          return false
        }
        #expect(
          entries.map(label) == [
            "event SHUTDOWN", "reply \"q-1\" delivered", "disconnected QEMU quit",
          ])
        #expect(client.disconnectReason?.isClean == true)
        try await client.disconnect()
        #expect(client.runstate == .idle)
        #expect(await qemu.waitForExit() == 0)
        let error = await #expect(throws: QMPClientError.self) {
          try await client.execute("query-status")
        }
        #expect(error?.description.contains("not connected") == true)
      }
    }
  }

  @Test func killedQEMUIsAnUnexpectedEndOfFile() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        let client = QMPClient()
        try await client.connect(to: Endpoint(qemu.address))
        let transcript = client.transcript()
        qemu.kill(signal: SIGKILL)
        let entries = await collect(transcript) { _ in false }
        #expect(
          entries.map(label).last?.hasPrefix("disconnected connection closed by peer") == true)
        let error = await #expect(throws: QMPClientError.self) {
          try await client.execute("query-status")
        }
        #expect(error?.description.contains("unexpectedly") == true)
        let final = await #expect(throws: QMPClientError.self) { try await client.disconnect() }
        #expect(final?.description.contains("end of file") == true)
        // A second disconnect has nothing left to report.
        try await client.disconnect()
      }
    }
  }

  @Test func secondClientOfABusyMonitorGetsAHintThenGetsIn() async throws {
    try await withQEMU(.systemEmulator()) { qemu in
      try await withTimeout(.seconds(20)) {
        let first = QMPClient()
        try await first.connect(to: Endpoint(qemu.address))
        // QEMU serves one client per monitor: the second hears nothing while the first stays.
        let second = QMPClient(configuration: .init(connectTimeout: .seconds(1)))
        let error = await #expect(throws: ConnectError.self) {
          try await second.connect(to: Endpoint(qemu.address))
        }
        #expect(describe(error).contains("no QMP greeting within 1.0 seconds"))
        try await first.disconnect()
        let later = QMPClient()
        try await later.connect(to: Endpoint(qemu.address))
        let status = try await later.execute("query-status")
        #expect(status["status"] == "running")
        try await later.disconnect()
      }
    }
  }

  @Test func prettyMonitorIsFramedByValue() async throws {
    try await withQEMU(.systemEmulator(monitors: [.init(.unix, pretty: true)])) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          let version = try await client.execute("query-version")
          #expect(
            version["qemu"]?["major"]?.int64Value
              == client.greeting.map { Int64($0.qemuVersion.major) })
        }
      }
    }
  }

  @Test func storageDaemonSpeaksQMPToo() async throws {
    try await withQEMU(.storageDaemon()) { qemu in
      try await withTimeout(.seconds(20)) {
        try await withClient(qemu.address) { client in
          let commands = try await client.execute("query-commands")
          let names = commands.arrayValue?.compactMap { $0["name"]?.stringValue } ?? []
          #expect(names.contains("blockdev-add"))
          #expect(!names.contains("human-monitor-command"))
        }
      }
    }
  }

  @Test func acceptsAQEMUThatDialsIn() async throws {
    try await withTemporaryDirectory { directory in
      let path = directory.file("listen.sock")
      let client = QMPClient()
      let listening = AsyncSignal()
      let accepting = Task {
        try await client.accept(on: .unix(path: path)) { _ in listening.fire() }
      }
      try await withTimeout(.seconds(5)) { await listening.wait() }
      try await withQEMU(.systemEmulator(monitors: [.init(.dialUnix(path: path))])) { _ in
        try await withTimeout(.seconds(20)) {
          try await accepting.value
          #expect(client.greeting != nil)
          _ = try await client.execute("query-status")
          try await client.disconnect()
        }
      }
    }
  }
}
