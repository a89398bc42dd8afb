import Dispatch
import Glibc
import NIOConcurrencyHelpers
import QMPClient

/// A QEMU the shell started for `--launch`, with its QMP socket in a private directory.
///
/// The shell owns this process: ``shutdown()`` asks it to `quit`, then sends SIGTERM and, past
/// a short bound, SIGKILL, reaps it and removes the directory, so neither a process nor a socket
/// file outlives the session; if the shell is killed before it can, ``LaunchWatchdog`` does the
/// same (without the `quit`). QEMU runs in its own process group (a Ctrl-C typed at the shell
/// is the shell's to handle, not QEMU's), with stdin from /dev/null and stdout and stderr in
/// a log file whose last lines explain a QEMU that exits on its own.
public final class LaunchedQEMU: Sendable {
  private struct State {
    var exit: ProcessExit?
    var waiters: [Int: CheckedContinuation<ProcessExit?, Never>] = [:]
    var nextWaiter = 0
    var shutDown = false
  }

  public let spec: LaunchSpec
  public let processIdentifier: pid_t
  /// Where the shell connects: the QMP socket inside the private directory.
  public let endpoint: Endpoint
  /// The private directory (mode 0700); gone after ``shutdown()``.
  public let directory: String
  let logPath: String
  private let privateDirectory: PrivateDirectory
  /// Stops QEMU if the shell dies without doing it (see ``LaunchWatchdog``).
  private let watchdog: LaunchWatchdog?
  private let state = NIOLockedValueBox(State())

  private init(
    spec: LaunchSpec, pid: pid_t, directory: PrivateDirectory, watchdog: LaunchWatchdog?
  ) {
    self.spec = spec
    self.processIdentifier = pid
    self.privateDirectory = directory
    self.watchdog = watchdog
    self.directory = directory.path
    self.endpoint = .unix(path: directory.file("qmp.sock"))
    self.logPath = directory.file("qemu.log")
  }

  /// Makes the private directory and starts QEMU in it; returns at once (the socket appears a
  /// little later: connect with retries until it does or ``exit`` is set).
  ///
  /// - Throws: ``ShellError`` with status 3 when the binary cannot be started
  ///   ("cannot start qemu-system-x86_64: No such file or directory"), 2 for refused
  ///   arguments. Nothing is left on disk then.
  public static func start(_ spec: LaunchSpec, environment: [String: String] = [:])
    throws(ShellError) -> LaunchedQEMU
  {
    try spec.validate()
    let directory = try PrivateDirectory(environment: environment)
    let socketPath = directory.file("qmp.sock")
    let arguments = spec.commandLine(socketPath: socketPath)
    let pid: pid_t
    do {
      pid = try spawn(spec.executable, arguments, logPath: directory.file("qemu.log"))
    } catch {
      directory.remove()
      throw error
    }
    // QEMU leads its own process group (its pid is the group's id); the watchdog joins it.
    let watchdog = LaunchWatchdog.start(group: pid, directory: directory.path)
    let qemu = LaunchedQEMU(spec: spec, pid: pid, directory: directory, watchdog: watchdog)
    qemu.startReaper()
    return qemu
  }

  private static func spawn(_ executable: String, _ arguments: [String], logPath: String)
    throws(ShellError) -> pid_t
  {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(
      &actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    InheritedDescriptors.close(in: &actions)

    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    attributes.configureForChild(processGroup: 0)

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    // posix_spawnp searches PATH for a bare name, and reports a failed exec as its result.
    var result = posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
    // ETXTBSY is transient: a wrapper script that was just written is still open for writing
    // in some process that forked meanwhile (until that child's exec closes it).
    var pause: useconds_t = 10_000
    while result == ETXTBSY && pause <= 160_000 {
      usleep(pause)
      pause *= 2
      result = posix_spawnp(&pid, executable, &actions, &attributes, argv, environ)
    }
    guard result == 0 else {
      throw ShellError(
        .cannotConnect, "cannot start \(executable): \(String(cString: strerror(result)))")
    }
    return pid
  }

  /// `waitpid` blocks, so it gets a thread of its own (not one of the few threads Swift
  /// concurrency and Dispatch share), which holds the object until QEMU is reaped.
  private func startReaper() {
    // No thread to spare: reap on a Dispatch worker rather than not at all.
    if !DetachedThread.start({ self.reap() }) {
      DispatchQueue.global().async { self.reap() }
    }
  }

  private func reap() {
    var status: Int32 = 0
    while waitpid(processIdentifier, &status, 0) < 0 && errno == EINTR {}
    let exit = ProcessExit(waitStatus: status)
    let waiters = state.withLock { state in
      state.exit = exit
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume(returning: exit) }
  }

  /// How QEMU ended; nil while it runs (or before the reaper noticed).
  public var exit: ProcessExit? { state.withLock { $0.exit } }

  /// Whether QEMU ended by itself rather than by ``shutdown()``.
  public var exitedOnItsOwn: Bool { state.withLock { $0.exit != nil && !$0.shutDown } }

  /// "qemu-system-x86_64 exited with status 1", or nil while it runs.
  public var exitDescription: String? { exit.map { "\(spec.displayName) \($0)" } }

  /// Waits until QEMU ended; nil if `limit` passed first or the task was cancelled.
  public func waitForExit(limit: Duration) async -> ProcessExit? {
    let key = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    let timer = Task { [self] in
      try? await Task.sleep(for: limit)
      state.withLock { $0.waiters.removeValue(forKey: key) }?.resume(returning: nil)
    }
    defer { timer.cancel() }
    return await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<ProcessExit?, Never>) in
        let now = state.withLock { state -> ProcessExit?? in
          if let exit = state.exit { return .some(exit) }
          if Task.isCancelled { return .some(nil) }
          state.waiters[key] = continuation
          return .none
        }
        if let now { continuation.resume(returning: now) }
      }
    } onCancel: {
      state.withLock { $0.waiters.removeValue(forKey: key) }?.resume(returning: nil)
    }
  }

  /// The last `count` non-empty lines QEMU wrote to stdout or stderr (read from the end of
  /// its log, at most 8 KiB, so a chatty QEMU costs nothing).
  public func outputTail(lines count: Int = 10) -> [String] {
    let descriptor = open(logPath, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return [] }
    defer { close(descriptor) }
    let size = lseek(descriptor, 0, SEEK_END)
    guard size > 0 else { return [] }
    let length = Int(min(size, 8192))
    var bytes = [UInt8](repeating: 0, count: length)
    let read = bytes.withUnsafeMutableBytes {
      pread(descriptor, $0.baseAddress, length, size - off_t(length))
    }
    guard read > 0 else { return [] }
    var lines = bytes[0..<read].split(separator: UInt8(ascii: "\n")).map {
      String(decoding: $0, as: UTF8.self)
    }
    // The first line may be cut in the middle when the log is longer than what was read.
    if size > off_t(length) && !lines.isEmpty { lines.removeFirst() }
    return Array(lines.filter { !$0.allSatisfy { $0 == " " || $0 == "\r" } }.suffix(count))
  }

  /// Stops QEMU and removes the private directory: `quit` over a fresh QMP connection, then
  /// SIGTERM, then SIGKILL, each after a short bound (about 5 s in all at worst). Idempotent;
  /// runs to the end even when the calling task is cancelled (a second Ctrl-C must not leave
  /// QEMU behind).
  public func shutdown() async {
    let first = state.withLock { state in
      defer { state.shutDown = true }
      return !state.shutDown
    }
    if first {
      await Task { await self.stop() }.value
    } else {
      _ = await Task { await self.waitForExit(limit: .seconds(6)) }.value
    }
  }

  private func stop() async {
    if exit == nil {
      // A QEMU that took `quit` gets a moment to exit; one that could not be asked (its
      // monitor busy or wedged) goes straight to SIGTERM.
      var quitted = false
      if await askToQuit() { quitted = await waitForExit(limit: .seconds(2)) != nil }
      if !quitted {
        signal(SIGTERM)
        if await waitForExit(limit: .seconds(2)) == nil {
          signal(SIGKILL)
          _ = await waitForExit(limit: .seconds(5))
        }
      }
    }
    privateDirectory.remove()
    watchdog?.dismiss()
  }

  /// `quit` through a connection of its own: the session's client is gone by now, and QEMU
  /// serves one monitor client at a time. Returns whether QEMU accepted it.
  private func askToQuit() async -> Bool {
    var configuration = QMPClient.Configuration(negotiation: .withoutOOB)
    configuration.connectTimeout = .seconds(1)
    let client = QMPClient(configuration: configuration)
    var accepted = false
    do {
      try await client.connect(to: endpoint)
      _ = try await client.execute("quit", timeout: .seconds(1))
      accepted = true
    } catch {
      client.logger.debug("quit not sent to the launched QEMU: \(error)")
    }
    try? await client.disconnect()
    return accepted
  }

  /// Sends `number` to QEMU's whole process group (QEMU leads it: helpers it started, or the
  /// children of a `--qemu` wrapper script, go too), unless QEMU was already reaped: until
  /// then its pid, and so the group id, cannot belong to anyone else.
  private func signal(_ number: Int32) {
    state.withLock { state in
      if state.exit == nil { _ = kill(-processIdentifier, number) }
    }
  }
}
