import Foundation
import HotswapCore
import HotswapFormats
import HotswapTestSupport
import Testing

/// JSONTestSuite (nst/JSONTestSuite, test_parsing/): every `y_` file accepted, every `n_` file
/// rejected, `i_` files neither crash nor hang. Each file's raw bytes go to the parser as they are.
@Suite struct JSONConformanceTests {
    static let dir = TestPaths.conformance.appendingPathComponent("JSONTestSuite/test_parsing")

    static func files(prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    /// The two `y_` files that repeat a key. They are grammatical JSON (RFC 8259 only says
    /// names SHOULD be unique), so the grammar run accepts them; our default policy rejects
    /// a repeated key with `.duplicateKey`, checked separately below.
    static let duplicateKeyFiles: Set<String> = ["y_object_duplicated_key.json", "y_object_duplicated_key_and_value.json"]

    /// Accept or reject under the grammar alone (repeated keys allowed, last one wins).
    static func accepts(_ name: String, options: ParseOptions = ParseOptions()) -> Bool {
        let bytes = readBytes(dir.appendingPathComponent(name))
        var opts = options
        opts.fileName = name
        return (try? JSON.parse(bytes, options: opts, duplicateKeys: .lastWins)) != nil
    }

    @Test func suiteIsPresent() {
        #expect(Self.files(prefix: "y_").count == 95)
        #expect(Self.files(prefix: "n_").count == 188)
        #expect(Self.files(prefix: "i_").count == 35)
    }

    @Test func everyYesFileIsAcceptedAndEveryNoFileRejected() {
        let yes = Self.files(prefix: "y_"), no = Self.files(prefix: "n_"), maybe = Self.files(prefix: "i_")
        let rejectedYes = yes.filter { !Self.accepts($0) }
        let acceptedNo = no.filter { Self.accepts($0) }
        let acceptedMaybe = maybe.filter { Self.accepts($0) }
        print("JSONTestSuite: y \(yes.count - rejectedYes.count)/\(yes.count), n \(no.count - acceptedNo.count)/\(no.count), "
            + "i: \(acceptedMaybe.count) accepted, \(maybe.count - acceptedMaybe.count) rejected")
        print("JSONTestSuite i_ accepted: \(acceptedMaybe.joined(separator: " "))")
        #expect(rejectedYes.isEmpty, "y_ files rejected: \(rejectedYes)")
        #expect(acceptedNo.isEmpty, "n_ files accepted: \(acceptedNo)")
        #expect(!yes.isEmpty && !no.isEmpty)
    }

    /// With the default policy (`JSON.parse`), the only `y_` files rejected are the two with a
    /// repeated key, and they are rejected for exactly that reason.
    @Test func defaultPolicyRejectsOnlyRepeatedKeys() throws {
        for name in Self.files(prefix: "y_") {
            let bytes = readBytes(Self.dir.appendingPathComponent(name))
            if Self.duplicateKeyFiles.contains(name) {
                let error = #expect(throws: ConfigError.self) { try JSON.parse(bytes) }
                #expect(error?.code == .duplicateKey, "\(name): \(String(describing: error))")
                #expect(error?.origin?.line == 1 && error?.origin?.column == 10, "\(name): \(String(describing: error))")
            } else {
                #expect(throws: Never.self, "\(name)") { try JSON.parse(bytes) }
            }
        }
    }

    /// The grammar decision of the `i_` files does not depend on the depth limit except for the
    /// deep one, and no file crashes even with the depth limit lifted: the parser keeps nesting
    /// on the heap.
    @Test func implementationDefinedFilesDoNotCrashWithoutDepthLimit() {
        let unlimited = ParseOptions(maxDepth: .max)
        var accepted: [String] = []
        for name in Self.files(prefix: "i_") + ["n_structure_100000_opening_arrays.json"] where Self.accepts(name, options: unlimited) {
            accepted.append(name)
        }
        #expect(accepted.contains("i_structure_500_nested_arrays.json"))
        #expect(!accepted.contains("n_structure_100000_opening_arrays.json"))
    }

    /// Every rejection reads `file:line:column: message`.
    @Test func rejectionsCarryALocation() {
        for name in Self.files(prefix: "n_") {
            let bytes = readBytes(Self.dir.appendingPathComponent(name))
            do {
                _ = try JSON.parse(bytes, options: ParseOptions(fileName: name))
                Issue.record("\(name) accepted")
            } catch {
                #expect(error.description.hasPrefix(name + ":"), "\(error)")
                #expect((error.origin?.line ?? 0) >= 1 && (error.origin?.column ?? 0) >= 1, "\(name): \(error)")
            }
        }
    }
}
