import Foundation
import HotswapCore
import HotswapFormats
import HotswapTestSupport
import Testing

/// yaml-test-suite (data-2022-01-17), as ../shared/conformance/SOURCES.md describes it:
/// a test directory with an `error` file must be rejected; one with an `in.json` (and no
/// `error`) must load, document by document, to the values of `in.json`.
@Suite struct YAMLConformanceTests {
    static let dataDir = TestPaths.conformance.appendingPathComponent("yaml-test-suite/data")

    /// Every test directory (`ID` or `ID/NN`) that holds an `in.yaml`, sorted.
    static let testDirs: [String] = {
        let fm = FileManager.default
        var result: [String] = []
        for id in (try? fm.contentsOfDirectory(atPath: dataDir.path)) ?? [] {
            let dir = dataDir.appendingPathComponent(id)
            if fm.fileExists(atPath: dir.appendingPathComponent("in.yaml").path) {
                result.append(id)
            }
            for sub in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where fm.fileExists(atPath: dir.appendingPathComponent(sub).appendingPathComponent("in.yaml").path) {
                result.append(id + "/" + sub)
            }
        }
        return result.sorted()
    }()

    /// Cases we get wrong because libyaml 0.2.5 itself gets them wrong: it rejects valid input
    /// or accepts invalid input before our code sees an event. Each must still fail; one that
    /// starts passing (a libyaml upgrade) fails the test so the list stays honest.
    /// Checked against libyaml's own event stream (PyYAML's CParser over the same libyaml 0.2.5).
    static let libyamlFailures: [String: String] = [
        // Valid YAML that libyaml rejects.
        "2LFX": "reserved directive %FOO must be ignored with a warning; libyaml: unknown directive name",
        "6LVF": "reserved directive %FOO must be ignored with a warning; libyaml: unknown directive name",
        "MUS6/05": "reserved directive %YAM must be ignored; libyaml: unknown directive name",
        "MUS6/06": "reserved directive %YAMLL must be ignored; libyaml: unknown directive name",
        "BEC7": "%YAML 1.3 must be processed with a warning; libyaml: incompatible YAML document",
        "W4TN": "'%' at the start of a line inside a literal scalar; libyaml takes it for a directive",
        "2SXE": "anchor names may contain ':'; libyaml allows only alphanumerics, '-' and '_'",
        "8XYN": "anchor names may contain non-ASCII characters; libyaml allows only alphanumerics",
        "W5VH": "anchor names may contain ':@*!$\"<>'; libyaml allows only alphanumerics",
        "4MUZ/00": "flow mapping ':' on the line after a quoted key; libyaml expects ',' or '}'",
        "4MUZ/01": "flow mapping ':' on the line after a quoted key; libyaml expects ',' or '}'",
        "4MUZ/02": "flow mapping ':' on the line after a plain key; libyaml expects ',' or '}'",
        "5MUD": "flow mapping ':' on the next line, adjacent to the value; libyaml expects ',' or '}'",
        "K3WX": "flow mapping ':' after a comment on the next line; libyaml expects ',' or '}'",
        "9SA2": "multi-line double-quoted flow mapping key; libyaml expects ',' or '}'",
        "NJ66": "multi-line plain flow mapping key; libyaml expects ',' or '}'",
        "UT92": "multi-line plain flow mapping key starting a line with '%'; libyaml expects ',' or '}'",
        "VJP3/01": "flow mapping key, ':' and value on separate lines; libyaml expects ',' or '}'",
        "58MP": "flow scalar ':x' after ': ' in a flow mapping; libyaml: did not find expected node content",
        "5T43": "flow value '\"key\"::value' (adjacent ':' after a JSON-like key); libyaml: expected node content",
        "HM87/00": "flow scalar starting with ':' ('[:x]'); libyaml: did not find expected node content",
        "DBG4": "plain scalars starting with ':' inside flow collections; libyaml: expected node content",
        "6BCT": "tabs as separation space after '-' and ':'; libyaml: character that cannot start any token",
        "A2M4": "tab after a block sequence indicator; libyaml: character that cannot start any token",
        "Y79Y/010": "tab after '-' before a scalar; libyaml: character that cannot start any token",
        "6CA3": "tab-indented top-level flow sequence; libyaml: character that cannot start any token",
        "Q5MG": "tab before a top-level flow mapping; libyaml: character that cannot start any token",
        "DK95/00": "tab (not indentation) before a continued plain scalar; libyaml rejects the tab",
        "DK95/03": "line of only a tab before a mapping; libyaml rejects the tab",
        "DK95/04": "line of only a tab between mapping entries; libyaml: tab violates indentation",
        "96NN/00": "tab as content after the indentation of a literal scalar; libyaml: tab where indentation expected",
        "96NN/01": "tab as content after the indentation of a literal scalar; libyaml: tab where indentation expected",
        "R4YG": "tab as content inside an indented folded scalar; libyaml: tab where indentation expected",
        "Y79Y/001": "line of only a tab inside a literal scalar; libyaml: tab where indentation expected",
        "DK3J": "zero-indented folded scalar with a '#' line; libyaml: did not find expected <document start>",
        "FP8R": "zero-indented folded scalar after '--- >'; libyaml: did not find expected <document start>",
        "7Z25": "bare document after a '...' document end; libyaml: did not find expected <document start>",
        "M7A3": "bare documents separated by '...' (spec example 9.3); libyaml: expected <document start>",
        "HWV9": "a stream that is only '...'; libyaml: did not find expected node content",
        "QT73": "a comment then '...' and no document; libyaml: did not find expected node content",
        // Valid YAML that libyaml reads wrongly (its events differ from test.event).
        "652Z": "'?foo' as a plain flow key; libyaml takes '?' as an explicit-key indicator and reads 'foo'",
        "HM87/01": "'[?x]' is the scalar '?x'; libyaml reads an explicit-key mapping {x: null}",
        "Y2GN": "anchor '&an:chor'; libyaml stops the anchor at ':' and reads the value ':chor value'",
        "JEF9/02": "keep-chomped literal ending in spaces without a newline; libyaml drops the line break",
        "L24T/01": "literal scalar ending in a line of spaces without a newline; libyaml keeps the spaces",
        // Invalid YAML that libyaml accepts.
        "9C9N": "flow sequence continuation lines not indented past the parent key",
        "QB6E": "double-quoted scalar continuation lines not indented past the parent key",
        "DK95/01": "tab used as indentation of a double-quoted scalar's continuation line",
        "Y79Y/003": "tab used as indentation inside a flow sequence in block context",
        "9JBA": "comment directly after ']' without a space",
        "CVW2": "comment directly after ',' without a space",
        "SU5Z": "comment directly after a double-quoted scalar without a space",
        "X4QW": "comment directly after a block scalar indicator without a space",
        "G5U8": "plain '-' entries in a flow sequence ('[-, -]')",
        "YJV2": "plain '-' in a flow sequence ('[-]')",
        "S98Z": "block scalar whose leading empty lines are more indented than its first content line",
        "EB22": "directive after a document without a '...' end marker",
        "RHX7": "%YAML directive after a document without a '...' end marker",
        "MUS6/00": "comment after a directive without a space ('%YAML 1.1#...')",
        "MUS6/01": "two %YAML directives for one document",
    ]

    /// Valid YAML that hotswapd rejects on purpose, with `.unsupported` (docs/formats-json-yaml.md):
    /// tags outside the core schema. Each must fail with exactly that code.
    static let policyRejections: [String: String] = [
        "2XXW": "!!set",
        "565N": "!!binary",
        "J7PZ": "!!omap",
        "5TYM": "local tag !my-light",
        "6CK3": "local tag !local and global tag:example.com,2000:app/tag!",
        "6WLZ": "local tag !foo",
        "7FWL": "local tag !bar",
        "9WXW": "local tag !foo",
        "CUP7": "local tag !local",
        "M5C3": "local tag !foo",
        "Z67P": "local tag !foo",
        "C4HZ": "global tags tag:clarkevans.com,2002:shape and others",
        "UGM3": "global tag tag:clarkevans.com,2002:invoice",
        "CC74": "global tag tag:example.com,2000:app/foo",
        "P76L": "global tag tag:example.com,2000:app/int",
        "Z9M4": "global tag tag:example.com,2000:app/foo",
    ]

    enum Outcome: Equatable {
        case pass
        case fail(String)
    }

    static func run(_ test: String) -> Outcome {
        let dir = dataDir.appendingPathComponent(test)
        let fm = FileManager.default
        let yaml = readBytes(dir.appendingPathComponent("in.yaml"))
        let options = ParseOptions(fileName: test + "/in.yaml")
        if fm.fileExists(atPath: dir.appendingPathComponent("error").path) {
            do {
                let docs = try YAML.parseDocuments(yaml, options: options)
                return .fail("accepted invalid YAML: \(docs)")
            } catch {
                return .pass
            }
        }
        guard fm.fileExists(atPath: dir.appendingPathComponent("in.json").path) else { return .pass }
        let expected: [Value]
        do {
            expected = try JSON.parseSequence(readBytes(dir.appendingPathComponent("in.json")), options: ParseOptions(fileName: test + "/in.json"))
        } catch {
            return .fail("cannot read in.json: \(error)")
        }
        do {
            let docs = try YAML.parseDocuments(yaml, options: options)
            guard docs.count == expected.count, zip(docs, expected).allSatisfy({ jsonEquivalent($0, $1) }) else {
                return .fail("got \(docs), expected \(expected)")
            }
            return .pass
        } catch {
            return .fail("rejected: \(error)")
        }
    }

    /// Equality as JSON sees it: one number type, so an integer equals the float of the same
    /// value (`in.json` writes `!!float 1` as `1`).
    static func jsonEquivalent(_ a: Value, _ b: Value) -> Bool {
        switch (a.kind, b.kind) {
        case let (.integer(x), .float(y)), let (.float(y), .integer(x)):
            return Double(x) == y
        case let (.array(x), .array(y)):
            return x.count == y.count && zip(x, y).allSatisfy { jsonEquivalent($0, $1) }
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { jsonEquivalent(v, $0) } ?? false }
        default:
            return a == b
        }
    }

    func percent(_ a: Int, _ b: Int) -> String {
        b == 0 ? "-" : String(Double(a * 1000 / b) / 10) + "%"
    }

    @Test func suiteIsPresent() {
        #expect(Self.testDirs.count == 402)
    }

    @Test func errorCasesAreRejectedAndJSONCasesMatch() {
        var passed = 0, considered = 0
        var unexpected: [String] = []
        var libyamlHits = 0, policyHits = 0
        var errorCases = 0, errorPassed = 0, jsonCases = 0, jsonPassed = 0
        for test in Self.testDirs {
            let dir = Self.dataDir.appendingPathComponent(test)
            let isError = FileManager.default.fileExists(atPath: dir.appendingPathComponent("error").path)
            let hasJSON = FileManager.default.fileExists(atPath: dir.appendingPathComponent("in.json").path)
            guard isError || hasJSON else { continue }
            considered += 1
            let outcome = Self.run(test)
            if outcome == .pass { passed += 1 }
            if isError {
                errorCases += 1
                if outcome == .pass { errorPassed += 1 }
            } else {
                jsonCases += 1
                if outcome == .pass { jsonPassed += 1 }
            }
            if let reason = Self.libyamlFailures[test] {
                libyamlHits += 1
                if outcome == .pass {
                    Issue.record("\(test) is listed as a libyaml failure (\(reason)) but passes: remove it from the list")
                }
            } else if let reason = Self.policyRejections[test] {
                policyHits += 1
                let yaml = readBytes(dir.appendingPathComponent("in.yaml"))
                do {
                    _ = try YAML.parseDocuments(yaml)
                    Issue.record("\(test) is listed as rejected by policy (\(reason)) but loads")
                } catch {
                    #expect(error.code == .unsupported, "\(test): \(error)")
                }
            } else if case let .fail(why) = outcome {
                unexpected.append("\(test): \(why)")
            }
        }
        print("yaml-test-suite: \(passed)/\(considered) pass (\(percent(passed, considered))): error cases rejected \(errorPassed)/\(errorCases), "
            + "in.json cases equal \(jsonPassed)/\(jsonCases); expected failures: \(libyamlHits) from libyaml, "
            + "\(policyHits) rejected by policy (tags outside the core schema)")
        for line in unexpected { print("yaml-test-suite FAIL \(line)") }
        #expect(unexpected.isEmpty, "\(unexpected.count) unexpected failures")
    }
}
