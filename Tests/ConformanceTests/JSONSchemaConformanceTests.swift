import Foundation
import HotswapCore
import HotswapFormats
import HotswapSchema
import HotswapTestSupport
import Testing

/// The official JSON-Schema-Test-Suite, draft 2020-12 (see ../shared/conformance/SOURCES.md,
/// section 2). Every case's schema is compiled with `remotes/` served from disk under
/// http://localhost:1234/ (never the network); each test's data is validated and the verdict
/// compared with `valid`. A test outside `expectedFailures` that fails, or a listed one that
/// passes, fails the run, so the list stays honest.
struct JSONSchemaConformanceTests {
    static let root = TestPaths.conformance.appendingPathComponent("JSON-Schema-Test-Suite")
    static let testsDir = root.appendingPathComponent("tests/draft2020-12")

    /// Tests we know fail, keyed `file > case > test`, with the reason for each.
    ///
    /// Empty: every test of the three parts passes, including `$dynamicRef`/`$dynamicAnchor`,
    /// `$vocabulary`, cross-draft references and all 19 formats. A feature we drop later (or a
    /// regression we accept) must be named here, one entry per test, with why.
    static let expectedFailures: [String: String] = [:]

    struct Tally {
        var passed = 0
        var total = 0
        var unexpectedFailures: [String] = []
        var unexpectedPasses: [String] = []
        var rate: String {
            let pct = total == 0 ? 100 : Double(passed) * 100 / Double(total)
            return "\(passed)/\(total) (\((pct * 10).rounded() / 10)%)"
        }
    }

    /// Every file under `remotes/`, parsed, by its http://localhost:1234/ URI.
    static let remotes: [String: Value] = {
        let dir = root.appendingPathComponent("remotes")
        var out: [String: Value] = [:]
        let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil)!
        for case let url as URL in walker where url.pathExtension == "json" {
            let rel = String(url.path.dropFirst(dir.path.count + 1))
            out["http://localhost:1234/" + rel] = try? JSON.parse(readBytes(url), options: ParseOptions(fileName: "remotes/" + rel))
        }
        return out
    }()

    static func jsonFiles(_ sub: String) -> [URL] {
        let dir = sub.isEmpty ? testsDir : testsDir.appendingPathComponent(sub)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func run(_ files: [URL], label: String, assertFormats: Bool) -> Tally {
        var t = Tally()
        let options = Schema.Options(assertFormats: assertFormats, strictKeywords: false)
        for file in files {
            let name = String(file.path.dropFirst(testsDir.path.count + 1))
            let cases: Value
            do { cases = try JSON.parse(readBytes(file), options: ParseOptions(fileName: name)) } catch {
                Issue.record("cannot parse \(name): \(error)")
                continue
            }
            for c in cases.arrayValue ?? [] {
                let caseName = c["description"]?.stringValue ?? "?"
                let schema: Schema?
                var compileError: String? = nil
                do {
                    schema = try Schema.compile(c["schema"]!, uri: "http://localhost:1234/draft2020-12/test-schema.json",
                                                options: options) { uri throws(ConfigError) in remotes[uri] }
                } catch {
                    schema = nil
                    compileError = error.description
                }
                for test in c["tests"]?.arrayValue ?? [] {
                    let key = "\(name) > \(caseName) > \(test["description"]?.stringValue ?? "?")"
                    let expected = test["valid"]?.boolValue ?? false
                    var ok = false
                    if let schema {
                        let data = test["data"]!
                        let verdict = schema.isValid(data)
                        // The reporting path must agree with the boolean one.
                        let violations = schema.validate(data)
                        if violations.isEmpty != verdict {
                            Issue.record("\(key): isValid says \(verdict) but validate reports \(violations.count) violations")
                        }
                        ok = verdict == expected
                    }
                    t.total += 1
                    if ok { t.passed += 1 }
                    let listed = expectedFailures[key] != nil
                    if !ok && !listed {
                        t.unexpectedFailures.append(key + (compileError.map { " — compile error: \($0)" } ?? ""))
                    } else if ok && listed {
                        t.unexpectedPasses.append(key)
                    }
                }
            }
        }
        print("JSON-Schema-Test-Suite draft2020-12 \(label): \(t.rate)")
        for f in t.unexpectedFailures { print("  unexpected failure: \(f)") }
        for p in t.unexpectedPasses { print("  unexpected pass (remove it from expectedFailures): \(p)") }
        return t
    }

    @Test func requiredTestsPass() {
        let t = Self.run(Self.jsonFiles(""), label: "required", assertFormats: false)
        #expect(t.total == 1299)
        #expect(t.unexpectedFailures.isEmpty)
        #expect(t.unexpectedPasses.isEmpty)
    }

    @Test func optionalTestsPass() {
        let t = Self.run(Self.jsonFiles("optional"), label: "optional", assertFormats: false)
        #expect(t.total == 162)
        #expect(t.unexpectedFailures.isEmpty)
        #expect(t.unexpectedPasses.isEmpty)
    }

    @Test func optionalFormatTestsPass() {
        let t = Self.run(Self.jsonFiles("optional/format"), label: "optional/format", assertFormats: true)
        #expect(t.total == 764)
        #expect(t.unexpectedFailures.isEmpty)
        #expect(t.unexpectedPasses.isEmpty)
    }
}
