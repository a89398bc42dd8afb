// swift-tools-version: 6.2
import PackageDescription

/// libFuzzer targets, kept out of the main package so that normal builds never need the
/// fuzzer runtime. Build and run them with `scripts/fuzz [TARGET] [SECONDS]`, which passes
/// `-sanitize=fuzzer,address`. To add a target: one `fuzzer(...)` line below, and a folder
/// `Sources/<Name>/` with a file that defines `LLVMFuzzerTestOneInput` and `<Name>_main`
/// (SwiftPM renames an executable's `main` to that; see CodecFuzzer.swift, which hands it to
/// libFuzzer's driver). Optional: seed inputs in `Seeds/<Name>/`, a token dictionary in
/// `Dictionaries/<Name>.dict`.
func fuzzer(_ name: String, _ products: [String], nio: [String] = []) -> Target {
  .executableTarget(
    name: name,
    dependencies: products.map { .product(name: $0, package: "qmp-shell") }
      + nio.map { .product(name: $0, package: "swift-nio") }
  )
}

let package = Package(
  name: "qmp-shell-fuzz",
  dependencies: [
    .package(name: "qmp-shell", path: "../.."),
    // The wire fuzzer drives the client's decoder in NIO's EmbeddedChannel.
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
  ],
  targets: [
    fuzzer("CodecFuzzer", ["QMPCodec"]),
    fuzzer("ShorthandFuzzer", ["QMPCodec", "QMPShell"]),
    fuzzer("WireFuzzer", ["QMPCodec", "QMPClient"], nio: ["NIOCore", "NIOEmbedded"]),
  ]
)
