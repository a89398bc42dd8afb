/// One libFuzzer input: the parser, stream decoder, serializer and QMP message model must not
/// crash, and every property in ``CodecFuzzProperties`` must hold (a broken one is a crash,
/// which libFuzzer saves as a reproducer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: start, count: count))
  if let failure = CodecFuzzProperties.check(bytes) {
    fatalError(failure)
  }
  return 0
}

/// SwiftPM links an executable target with `main` renamed to `<Target>_main`, which a
/// `-parse-as-library` module does not define. Defining it here and handing control to
/// libFuzzer's driver gives the usual libFuzzer command line.
@_cdecl("CodecFuzzer_main")
public func codecFuzzerMain(
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
