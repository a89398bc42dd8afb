import QMPClient
import QMPCodec
import Testing

struct EventFilterTests {
  private let event = QMPEvent(
    name: "BLOCK_JOB_COMPLETED",
    data: ["device": "job0", "len": 4096, "ready": true, "node": ["name": "n1"]])

  @Test func matchesByNameAndData() {
    #expect(EventFilter.all.matches(event))
    #expect(EventFilter.name("BLOCK_JOB_COMPLETED").matches(event))
    #expect(!EventFilter.name("STOP").matches(event))
    #expect(EventFilter.names(["STOP", "BLOCK_JOB_COMPLETED"]).matches(event))
    #expect(EventFilter.name("BLOCK_JOB_COMPLETED", data: [("device", "job0")]).matches(event))
    #expect(!EventFilter.name("BLOCK_JOB_COMPLETED", data: [("device", "job1")]).matches(event))
    #expect(!EventFilter.name("BLOCK_JOB_COMPLETED", data: [("missing", "x")]).matches(event))
  }

  /// A one-name filter takes a shortcut; changing `names` afterwards must still count.
  @Test func changingTheNamesChangesWhatMatches() {
    var filter = EventFilter.name("STOP")
    #expect(!filter.matches(event))
    filter.names = ["BLOCK_JOB_COMPLETED"]
    #expect(filter.matches(event))
    filter.names = ["STOP", "RESUME"]
    #expect(!filter.matches(event))
    filter.names?.insert("BLOCK_JOB_COMPLETED")
    #expect(filter.matches(event))
    filter.names = ["STOP"]
    #expect(!filter.matches(event))
    filter.names = nil
    #expect(filter.matches(event))
    filter.names = []
    #expect(!filter.matches(event))
  }

  @Test func typedTextMatchesNumbersAndBooleans() {
    #expect(EventFilter(data: [("len", "4096"), ("ready", "true")]).matches(event))
    #expect(EventFilter(data: [("len", 4096)]).matches(event))
    #expect(!EventFilter(data: [("len", "4097")]).matches(event))
    // Text never matches an object or array by accident.
    #expect(!EventFilter(data: [("node", "{\"name\":\"n1\"}")]).matches(event))
  }

  @Test func dottedKeysLookIntoNestedObjects() {
    #expect(EventFilter(data: [("node.name", "n1")]).matches(event))
    #expect(!EventFilter(data: [("node.name.x", "n1")]).matches(event))
  }

  @Test func predicateMustHoldToo() {
    let filter = EventFilter(names: ["BLOCK_JOB_COMPLETED"]) { $0.data?["len"] == 1 }
    #expect(!filter.matches(event))
    #expect(EventFilter.matching { $0.name.hasPrefix("BLOCK") }.matches(event))
  }
}
