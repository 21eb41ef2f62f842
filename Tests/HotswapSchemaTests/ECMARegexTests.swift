@testable import HotswapSchema
import Testing

struct ECMARegexTests {
    static let matching: [(String, String, Bool)] = [
        ("^a*$", "aaa", true), ("^a*$", "aab", false), ("a+", "xxaayy", true), ("", "anything", true),
        ("^\\d{3}-\\d{4}$", "555-1234", true), ("^\\d{3}-\\d{4}$", "555-12345", false),
        ("colou?r", "the color", true), ("^(foo|bar)+$", "foobarfoo", true), ("^(foo|bar)+$", "foobaz", false),
        ("^[^abc]+$", "xyz", true), ("^[^abc]+$", "xaz", false), ("^[a-c-]+$", "a-b", true),
        ("\\bfoo\\b", "a foo b", true), ("\\bfoo\\b", "afoob", false), ("\\Boo\\B", "foob", true),
        ("^.$", "\n", false), ("^.$", "é", true), ("^.$", "😀", true), ("^\\p{Lu}", "Éa", true), ("^\\P{L}+$", "123", true),
        ("^[\\w.-]+$", "a.b-c_d", true), ("^[\\w.-]+$", "a b", false), ("^[\\D]+$", "ab", true), ("^[^\\d\\s]+$", "a b", false),
        ("^a{2,3}$", "aaaa", false), ("^a{2,3}$", "aaa", true), ("^a{2,}$", "aaaaa", true), ("^a{2}$", "aa", true),
        ("^a{,2}$", "a{,2}", true), ("^x{$", "x{", true), ("^a]$", "a]", true),
        ("^\\u{1F600}$", "😀", true), ("^\\uD83D\\uDE00$", "😀", true), ("^\\x41\\u0042$", "AB", true),
        ("^[\\u0041-\\u005A]+$", "ABC", true), ("^\\cJ$", "\n", true), ("^\\t$", "\t", true), ("^\\/\\.$", "/.", true),
        ("^a+?$", "aaa", true), ("(?:ab)*c", "ababc", true), ("^(?<year>\\d{4})-\\d\\d$", "2024-05", true),
        ("^(a|ab)(c|bcd)(d*)$", "abcd", true), ("^(a*)*$", "aaaa", true), ("^(a*)*b$", "aaaa", false),
        ("^$", "", true), ("^$", "\n", false), ("a$", "a\n", false), ("^[]$", "", false), ("^[^]$", "\n", true),
        ("^\\s+$", "\u{a0}\u{2003}\t", true), ("^\\S$", "\u{2013}", true),
    ]

    @Test(arguments: matching)
    func matchesLikeECMAScript(pattern: String, input: String, expected: Bool) throws {
        let re = try ECMARegex(pattern)
        var budget = 1_000_000
        #expect(re.matches(input, budget: &budget) == expected)
    }

    static let syntaxErrors = ["(abc", "abc)", "[abc", "a**", "*a", "+", "a{3,2}", "\\a", "(?i)abc", "(?P<n>x)", "(?#c)",
                               "\\p{Bogus}", "\\p{Script=Greek}", "[z-a]", "[\\d-z]", "\\", "\\c1", "\\x4", "\\u12", "^*", "(?<>a)"]

    @Test(arguments: syntaxErrors)
    func invalidSyntaxIsRejected(pattern: String) {
        #expect(!ECMARegex.isValidSyntax(pattern))
        #expect(throws: ECMARegex.CompileError.self) { try ECMARegex(pattern) }
    }

    static let unsupported = ["(a)\\1", "(?=a)b", "a(?!b)", "(?<=a)b", "(?<!a)b", "(?<n>a)\\k<n>"]

    @Test(arguments: unsupported)
    func backtrackingConstructsAreValidSyntaxButRejectedForMatching(pattern: String) {
        #expect(ECMARegex.isValidSyntax(pattern))
        do {
            _ = try ECMARegex(pattern)
            Issue.record("\(pattern) compiled")
        } catch {
            guard case .unsupported = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    @Test func hugeRepetitionCountsAreRefusedNotExpanded() {
        do {
            _ = try ECMARegex("(a{1000}){1000}")
            Issue.record("compiled")
        } catch {
            guard case .tooLarge = error else { Issue.record("wrong error \(error)"); return }
        }
    }

    /// `(a+)+$` takes exponential time in a backtracking engine on "aaa…a!"; here it is one
    /// pass over the input. The test would not finish otherwise.
    @Test(arguments: ["(a+)+$", "^(a|a)*$", "(x+x+)+y", "^(\\w+\\s?)*$"])
    func catastrophicPatternsRunInLinearTime(pattern: String) throws {
        let re = try ECMARegex(pattern)
        let input = String(repeating: pattern.contains("x") ? "x" : "a", count: 50_000) + "!"
        var budget = 100_000_000
        #expect(re.matches(input, budget: &budget) == false)
    }

    @Test func exhaustedBudgetStopsTheMatch() throws {
        let re = try ECMARegex("^(a|b)*c")
        var budget = 100
        #expect(re.matches(String(repeating: "a", count: 10_000), budget: &budget) == nil)
    }
}
