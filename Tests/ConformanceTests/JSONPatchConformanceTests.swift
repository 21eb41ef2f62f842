import Foundation
import HotswapCore
import HotswapFormats
import HotswapTestSupport
import Testing

/// json-patch-tests (RFC 6902), run through the patch engine: every enabled record must give
/// its `expected` document, or fail when it carries `error`.
@Suite struct JSONPatchConformanceTests {
    @Test(arguments: ["tests.json", "spec_tests.json"])
    func jsonPatchTests_allEnabledRecordsPass(_ file: String) throws {
        let url = TestPaths.conformance.appendingPathComponent("json-patch-tests/\(file)")
        // The suite's disabled records repeat "op" keys on purpose; read them leniently (the
        // enabled records are what is tested, and the daemon's own parsing stays strict).
        let records = try #require(try JSON.parse(readBytes(url), options: ParseOptions(fileName: url.path), duplicateKeys: .lastWins).arrayValue)
        var passed = 0, run = 0
        for (i, record) in records.enumerated() {
            guard record["disabled"]?.boolValue != true, let doc = record["doc"], let patchDoc = record["patch"] else { continue }
            run += 1
            let label = "\(file) #\(i) \(record["comment"]?.stringValue ?? "")"
            let result: Result<Value, ConfigError> = Result { () throws(ConfigError) -> Value in
                try JSONPatch(parsing: patchDoc).apply(to: doc)
            }
            if let expected = record["expected"] {
                switch result {
                case let .success(v) where v.isJSONEqual(to: expected): passed += 1
                case let .success(v): Issue.record("\(label): got \(v), expected \(expected)")
                case let .failure(e): Issue.record("\(label): failed with \(e), expected \(expected)")
                }
            } else if record["error"] != nil {
                if case let .success(v) = result {
                    Issue.record("\(label): applied (\(v)) but must fail: \(record["error"]!)")
                } else {
                    passed += 1
                }
            } else if case let .failure(e) = result {
                Issue.record("\(label): failed with \(e), expected to apply")
            } else {
                passed += 1
            }
        }
        print("json-patch-tests \(file): \(passed)/\(run) passed")
        #expect(passed == run)
        #expect(run > 10)
    }
}
