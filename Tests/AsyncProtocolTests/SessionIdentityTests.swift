import AsyncProtocol
import Logging
import Testing

@Suite struct SessionIdentityTests {
  @Test func describesItselfWithItsRunstate() {
    let (session, _) = makeSession()
    #expect(session.description == "ProtocolSession(runstate: idle)")
  }

  @Test func startsIdleAndUnnamed() {
    let (session, _) = makeSession()
    #expect(session.runstate == .idle)
    #expect(session.configuration.name == nil)
  }

  @Test func defaultLoggerLabel() {
    let session = ProtocolSession(codec: LineCodec(), onEvent: { _ in })
    #expect(session.logger.label == "qmp-shell.protocol")
  }

  @Test func nameAppearsInLoggerLabelAndDescription() {
    let session = ProtocolSession(
      codec: LineCodec(), configuration: .init(name: "Steve"), onEvent: { _ in })
    #expect(session.configuration.name == "Steve")
    #expect(session.logger.label == "qmp-shell.protocol.Steve")
    #expect(session.logger[metadataKey: "session"] == "Steve")
    #expect(session.description == "ProtocolSession(name: Steve, runstate: idle)")
  }

  @Test func nameExtendsACallerSuppliedLabelAndKeepsItsHandler() {
    let store = LogStore()
    let session = ProtocolSession(
      codec: LineCodec(), configuration: .init(name: "vm1"),
      logger: Logger(label: "app.qmp", factory: { _ in CapturingLogHandler(store: store) }),
      onEvent: { _ in })
    #expect(session.logger.label == "app.qmp.vm1")
    session.logger.info("hello")
    #expect(store.lines == ["info hello"])
  }

  @Test func stateErrorsNameBothStates() {
    let error = StateError(current: .connecting, required: .idle)
    #expect(error.description.contains("currently connecting"))
    #expect(error.description.contains("state connecting, requires idle"))
    let disconnecting = StateError(current: .disconnecting, required: .running)
    #expect(disconnecting.description.contains("call disconnect()"))
    #expect(disconnecting.description.contains("requires running"))
  }

  @Test func connectErrorsNameThePhaseAndTheCause() {
    let transport = ConnectError(phase: .transport, underlying: PeerClosedError())
    #expect(transport.description == "failed to establish connection: connection closed by peer")
    let handshake = ConnectError(
      phase: .handshake, underlying: ConnectTimeoutError(timeout: .milliseconds(5)))
    #expect(handshake.description.hasPrefix("failed to establish session (handshake): timed out"))
  }
}
