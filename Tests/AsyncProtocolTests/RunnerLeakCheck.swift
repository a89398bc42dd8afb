/// Turns LeakSanitizer's check at exit off for the test runner alone (`scripts/check-sanitizers
/// address`); the sanitized `qmp-shell` and `line-editor-probe` the tests start keep it.
///
/// The runner's report at exit is made of things we cannot fix or that are not leaks, each shown
/// with a standalone program under `-sanitize=address`: values kept alive by a `static let`
/// inside a multi-payload enum (Swift keeps the enum's tag in the pointer's spare bits, so
/// LeakSanitizer does not see the pointer: a test's cached QMP schema), the weak-reference side
/// table of a live object (its address is stored shifted in the object's reference count),
/// 4 KiB per `Data(contentsOf:)` of an empty file (a real leak in swift-foundation 6.3.1), and
/// what XCTest and Foundation's `Process` keep until exit. That is thousands of lines per run
/// that hide nothing of ours. LeakSanitizer calls this hook (a weak symbol in its runtime) at
/// exit; in builds without it, it is never called.
@_cdecl("__lsan_is_turned_off")
public func leakCheckIsTurnedOffForTheTestRunner() -> Int32 { 1 }
