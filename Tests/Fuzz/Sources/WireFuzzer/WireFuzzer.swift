/// One libFuzzer input: bytes from a peer, and how reads split them (see
/// ``WireFuzzProperties``). Decoding must not crash and must not depend on the split (a broken
/// property is a crash, which libFuzzer saves as a reproducer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: start, count: count))
  if let failure = WireFuzzProperties.check(bytes) {
    fatalError(failure)
  }
  return 0
}

/// SwiftPM links an executable target with `main` renamed to `<Target>_main`, which a
/// `-parse-as-library` module does not define. Defining it here and handing control to
/// libFuzzer's driver gives the usual libFuzzer command line.
@_cdecl("WireFuzzer_main")
public func wireFuzzerMain(
  _ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> CInt {
  var argc = argc
  var argv = argv
  return runFuzzerDriver(&argc, &argv, fuzzOneInput)
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
  _ argc: UnsafeMutablePointer<CInt>,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
  _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
