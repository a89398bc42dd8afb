import Testing

@testable import QMPShell

#if canImport(Glibc)
  import Glibc
#endif

struct LineEditorErrorTests {
  @Test func descriptionsSayWhatWentWrong() {
    #expect(LineEditorError.alreadyRunning.description.contains("already running"))
    #expect(
      LineEditorError.pipeUnavailable(errno: EMFILE).description
        == "cannot create the line editor's pipe: Too many open files")
    #expect(
      LineEditorError.pollFailed(errno: EINVAL).description
        == "cannot wait for terminal input: Invalid argument")
  }

  @Test func theDefaultHistoryFileIsInTheHomeFolder() throws {
    let path = try #require(LineEditorConfiguration.defaultHistoryPath())
    #expect(path.hasSuffix("/.qmp-shell_history"))
    #expect(!path.contains("//"))
  }
}
