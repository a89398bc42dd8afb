// swift-tools-version: 6.2
import PackageDescription

/// Every target, tests included (the mangled types of async closures in public API depend
/// on it): a nonisolated async function runs where its caller runs instead of hopping to
/// the generic executor on entry. With tasks that prefer the session's event loop, each of
/// those hops was a check of the task's executor preference under its status lock (callgrind:
/// 34 per lock-step command, ~6% of its instructions). No module here has an actor, so no
/// function changes the executor it runs on.
let language: [SwiftSetting] = [.enableUpcomingFeature("NonisolatedNonsendingByDefault")]

/// Release builds optimise across our own modules: a lock-step command crosses codec,
/// protocol, client and shell, and without this their generic code (the session, its queue)
/// ran unspecialised, looking up type metadata at run time (perf: ~12% of a command's CPU).
let crossModule: [SwiftSetting] =
  [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))] + language

/// Module layout follows the data: bytes → codec → protocol → client → shell → terminal.
/// `QMPCodec` and `AsyncProtocol` know nothing of each other; `QMPClient` joins them;
/// `QMPShell` sits on the client; the `qmp-shell` executable only parses arguments.
let package = Package(
  name: "qmp-shell",
  products: [
    .executable(name: "qmp-shell", targets: ["qmp-shell"]),
    // For the fuzzing package in Tests/Fuzz, which depends on this one by path.
    .library(name: "QMPCodec", targets: ["QMPCodec"]),
    .library(name: "QMPClient", targets: ["QMPClient"]),
    .library(name: "QMPShell", targets: ["QMPShell"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
  ],
  targets: [
    // JSON values, a strict parser, a streaming framer and the QMP message model.
    .target(
      name: "QMPCodec",
      dependencies: [
        .product(name: "OrderedCollections", package: "swift-collections")
      ],
      swiftSettings: crossModule
    ),
    // Generic full-duplex message protocol over a stream socket (no QMP, no JSON).
    .target(
      name: "AsyncProtocol",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        // pthread-based locks: ThreadSanitizer cannot see Synchronization.Mutex's futex.
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: crossModule
    ),
    // The QMP and qemu-ga client: joins the codec and the protocol.
    .target(
      name: "QMPClient",
      dependencies: [
        "QMPCodec",
        "AsyncProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: crossModule
    ),
    // GNU readline (GPLv3), linked from the system.
    .systemLibrary(
      name: "CReadline",
      providers: [.apt(["libreadline-dev"])]
    ),
    // Command language, script runner and interactive REPL.
    .target(
      name: "QMPShell",
      dependencies: [
        "QMPCodec",
        "AsyncProtocol",
        "QMPClient",
        "CReadline",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: crossModule
    ),
    .executableTarget(
      name: "qmp-shell",
      dependencies: [
        "QMPShell",
        "QMPCodec",
        "QMPClient",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: crossModule
    ),
    // Benchmarks (`scripts/bench`): our codec against Foundation's JSONSerialization.
    .executableTarget(name: "qmp-bench", dependencies: ["QMPCodec"], swiftSettings: language),
    // Test peers: a scripted fake QMP server and helpers that start real QEMU and qemu-ga.
    .target(
      name: "QMPTestSupport",
      dependencies: [
        "AsyncProtocol",
        "QMPCodec",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ],
      swiftSettings: language
    ),
    // Test helper: runs a LineEditor in a pseudo-terminal for the terminal tests.
    .executableTarget(
      name: "line-editor-probe",
      dependencies: [
        "QMPShell", "CReadline", .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ],
      path: "Tests/Support/LineEditorProbe",
      swiftSettings: language
    ),
    // Client latency and event-throughput numbers against real QEMU and the fake server.
    .executableTarget(
      name: "qmp-client-bench", dependencies: ["QMPClient", "QMPCodec", "QMPTestSupport"],
      swiftSettings: language),
    .testTarget(name: "QMPCodecTests", dependencies: ["QMPCodec"], swiftSettings: language),
    .testTarget(
      name: "AsyncProtocolTests",
      dependencies: [
        "AsyncProtocol",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: language
    ),
    .testTarget(
      name: "QMPClientTests",
      dependencies: [
        "QMPClient", "QMPCodec", "AsyncProtocol", "QMPTestSupport",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "Logging", package: "swift-log"),
      ],
      swiftSettings: language
    ),
    .testTarget(
      name: "QMPShellTests",
      dependencies: [
        "QMPShell", "QMPCodec", "QMPClient", "QMPTestSupport", "qmp-shell", "line-editor-probe",
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
      ],
      swiftSettings: language
    ),
  ]
)
