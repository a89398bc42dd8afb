import QMPCodec
import QMPShell
import Testing

@Suite struct HMPOutputTests {
  @Test func monitorTextIsPrintedAsLines() {
    #expect(HMPOutput.text(fromReturn: "VM status: running\r\n") == "VM status: running\n")
    #expect(HMPOutput.text(fromReturn: "a\r\nb\r\n\r\n") == "a\nb\n")
    #expect(HMPOutput.text(fromReturn: "no newline") == "no newline\n")
  }

  @Test func emptyTextPrintsNothing() {
    #expect(HMPOutput.text(fromReturn: "") == "")
    #expect(HMPOutput.text(fromReturn: "\r\n") == "")
  }

  @Test func aNonStringIsNotHMPText() {
    #expect(HMPOutput.text(fromReturn: [:]) == nil)
    #expect(HMPOutput.text(fromReturn: 1) == nil)
  }
}
