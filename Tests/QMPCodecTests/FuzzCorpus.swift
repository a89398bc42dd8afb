import Foundation

/// The inputs a fuzz target is replayed on in the unit tests: its hand-written seeds
/// (`Tests/Fuzz/Seeds/<Target>`) and the corpus the fuzzer grew (`Tests/Fuzz/Corpus/<Target>`,
/// kept small by `scripts/fuzz merge`). Found from this source file's path, so the tests
/// need no resources and run the same from any clone. (QMPShellTests links this file too.)
struct FuzzCorpus {
  struct Input: Sendable, CustomStringConvertible {
    /// `Seeds/<Target>/<name>` or `Corpus/<Target>/<name>`.
    var name: String
    var bytes: [UInt8]
    var description: String { name }
  }

  /// Why the corpus could not be read.
  struct LoadError: Error, CustomStringConvertible {
    var description: String
  }

  var seeds: [Input]
  var corpus: [Input]
  var all: [Input] { seeds + corpus }

  /// Reads every file of the target's seed and corpus folders.
  /// - Parameter sourceFile: a file under `Tests/`; the caller's `#filePath`.
  init(target: String, sourceFile: String = #filePath) throws {
    let fuzz = try Self.fuzzFolder(from: sourceFile)
    seeds = try Self.read(fuzz.appendingPathComponent("Seeds/\(target)"), label: "Seeds/\(target)")
    corpus = try Self.read(
      fuzz.appendingPathComponent("Corpus/\(target)"), label: "Corpus/\(target)")
  }

  /// `Tests/Fuzz`: the first folder above the source file that holds `Fuzz/Package.swift`.
  static func fuzzFolder(from sourceFile: String) throws -> URL {
    var folder = URL(fileURLWithPath: sourceFile).deletingLastPathComponent()
    while folder.path != "/" {
      let candidate = folder.appendingPathComponent("Fuzz")
      if FileManager.default.fileExists(
        atPath: candidate.appendingPathComponent("Package.swift").path)
      {
        return candidate
      }
      folder.deleteLastPathComponent()
    }
    throw LoadError(description: "no Tests/Fuzz folder above \(sourceFile)")
  }

  static func read(_ folder: URL, label: String) throws -> [Input] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
    } catch {
      throw LoadError(description: "cannot list \(folder.path): \(error)")
    }
    return try names.sorted().map { name in
      guard
        let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
      else { throw LoadError(description: "cannot read \(label)/\(name)") }
      return Input(name: "\(label)/\(name)", bytes: Array(data))
    }
  }
}
