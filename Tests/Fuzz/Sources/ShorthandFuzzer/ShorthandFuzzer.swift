/// One libFuzzer input, read as lines of shell input (see ``ShorthandFuzzProperties`` for
/// the format): the command reader and completion must not crash, and every property there
/// must hold (a broken one is a crash, which libFuzzer saves as a reproducer).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: start, count: count))
  if let failure = ShorthandFuzzProperties.check(bytes) {
    fatalError(failure)
  }
  return 0
}

/// SwiftPM links an executable target with `main` renamed to `<Target>_main`; hand control
/// to libFuzzer's driver from there (see CodecFuzzer for the same arrangement).
@_cdecl("ShorthandFuzzer_main")
public func shorthandFuzzerMain(
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

/// LeakSanitizer reports the fuzzer's schema (`ShorthandFuzzProperties.schema`) as leaked at exit: Swift keeps a
/// multi-payload enum's tag in the spare high bits of its payload pointers, so the schema's
/// storage is reachable only through pointers LeakSanitizer does not recognise. Suppress
/// exactly that (allocations made while building a QMPSchema), nothing else.
@_cdecl("__lsan_default_suppressions")
public func leakSuppressions() -> UnsafePointer<CChar> {
  let text: StaticString = "leak:QMPSchema\n"
  return UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}
