/// A compiled ECMA-262 pattern, matched by a Pike VM (a Thompson NFA simulation).
///
/// Matching costs at most O(input length × program size) no matter what the pattern is, so a
/// pattern such as `(a+)+$` cannot backtrack catastrophically: there is no backtracking. The
/// price is that backreferences and lookaround, which need backtracking, are rejected when the
/// pattern is compiled (`format: regex` still accepts them as valid syntax).
///
/// `matches` has search semantics, as JSON Schema's `pattern` requires: the pattern may match
/// anywhere in the string unless it is anchored with `^`/`$`.
struct ECMARegex: Sendable {
    enum Instruction: Sendable {
        case scalar(UInt32)
        case set(Int)
        case any
        case split(Int, Int)
        case jump(Int)
        case assertStart, assertEnd, wordBoundary, notWordBoundary
        case match
    }

    let source: String
    private let program: [Instruction]
    private let sets: [CharSet]
    /// True when every match must start at offset 0 (the pattern begins with `^`).
    private let anchored: Bool

    /// The largest program a pattern may expand to (counted repetitions are copied):
    /// `a{1000}{1000}` is refused rather than allocating a million instructions.
    static let maxProgramSize = 20_000

    enum CompileError: Error, Sendable {
        case syntax(RegexSyntaxError)
        case unsupported(String)
        case tooLarge
    }

    /// Whether `pattern` is valid ECMA-262 syntax (what `format: regex` asks), including
    /// constructs this matcher cannot run.
    static func isValidSyntax(_ pattern: String) -> Bool {
        (try? RegexParser.parse(pattern)) != nil
    }

    init(_ pattern: String) throws(CompileError) {
        let tree: RegexNode
        do { tree = try RegexParser.parse(pattern) } catch { throw .syntax(error) }
        if let what = tree.firstUnsupported { throw .unsupported(what) }
        var b = ProgramBuilder()
        try b.emit(tree)
        b.append(.match)
        source = pattern
        program = b.program
        sets = b.sets.map { $0.finalized() }
        anchored = tree.startsAnchored
    }

    /// Whether the pattern matches somewhere in `input`. `budget` is decremented by the work
    /// done (threads stepped); the match gives up and returns nil once it reaches zero.
    func matches(_ input: String, budget: inout Int) -> Bool? {
        var scratch = RegexScratch()
        return matches(input, budget: &budget, scratch: &scratch)
    }

    /// As `matches(_:budget:)`, reusing `scratch`'s buffers so that a validation run
    /// allocates them once rather than per match.
    func matches(_ input: String, budget: inout Int, scratch: inout RegexScratch) -> Bool? {
        scratch.prepare(size: program.count)
        var it = input.unicodeScalars.makeIterator()
        var prev: UInt32? = nil
        var cur = it.next()?.value
        add(0, to: &scratch.current, prev: prev, next: cur, stack: &scratch.stack)
        while true {
            budget -= scratch.current.count + 1
            if budget <= 0 { return nil }
            guard let c = cur else {
                return scratch.current.dense.contains { if case .match = program[$0] { return true } else { return false } }
            }
            let following = it.next()?.value
            for pc in scratch.current.dense {
                switch program[pc] {
                case .match: return true
                case let .scalar(v): if v == c { add(pc + 1, to: &scratch.next, prev: c, next: following, stack: &scratch.stack) }
                case let .set(k): if sets[k].contains(c) { add(pc + 1, to: &scratch.next, prev: c, next: following, stack: &scratch.stack) }
                case .any: if !Self.isLineTerminator(c) { add(pc + 1, to: &scratch.next, prev: c, next: following, stack: &scratch.stack) }
                default: break
                }
            }
            swap(&scratch.current, &scratch.next)
            scratch.next.removeAll()
            prev = c
            cur = following
            if !anchored { add(0, to: &scratch.current, prev: prev, next: cur, stack: &scratch.stack) }
            if scratch.current.count == 0 { return false }
        }
    }

    /// Follows jumps, splits and assertions from `pc` at the position between `prev` and
    /// `next` (nil at the ends of the input), adding every reachable instruction once. The
    /// set membership check is what makes empty loops such as `(a*)*` terminate.
    private func add(_ pc: Int, to list: inout ThreadList, prev: UInt32?, next: UInt32?, stack: inout [Int]) {
        stack.append(pc)
        while let pc = stack.popLast() {
            guard list.insert(pc) else { continue }
            switch program[pc] {
            case let .jump(t): stack.append(t)
            case let .split(a, b): stack.append(b); stack.append(a)
            case .assertStart: if prev == nil { stack.append(pc + 1) }
            case .assertEnd: if next == nil { stack.append(pc + 1) }
            case .wordBoundary, .notWordBoundary:
                let before = prev.map(Self.isWord) ?? false
                let after = next.map(Self.isWord) ?? false
                var holds = before != after
                if case .notWordBoundary = program[pc] { holds.toggle() }
                if holds { stack.append(pc + 1) }
            default: break
            }
        }
    }

    static func isLineTerminator(_ c: UInt32) -> Bool {
        c == 0x0A || c == 0x0D || c == 0x2028 || c == 0x2029
    }

    static func isWord(_ c: UInt32) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || (c >= 0x61 && c <= 0x7A)
    }
}

/// The matcher's working memory, reusable across matches of any pattern.
struct RegexScratch {
    fileprivate var current = ThreadList()
    fileprivate var next = ThreadList()
    fileprivate var stack: [Int] = []

    init() {}

    fileprivate mutating func prepare(size: Int) {
        current.prepare(size)
        next.prepare(size)
        stack.removeAll(keepingCapacity: true)
    }
}

/// A sparse set of program counters (Briggs–Torczon): O(1) insert, membership and clear.
fileprivate struct ThreadList {
    private(set) var dense: [Int] = []
    private var sparse: [Int] = []

    mutating func prepare(_ capacity: Int) {
        dense.removeAll(keepingCapacity: true)
        if sparse.count < capacity { sparse = Array(repeating: 0, count: capacity) }
    }

    var count: Int { dense.count }

    /// Inserts `pc`; false when it was already there.
    mutating func insert(_ pc: Int) -> Bool {
        let k = sparse[pc]
        if k < dense.count && dense[k] == pc { return false }
        sparse[pc] = dense.count
        dense.append(pc)
        return true
    }

    mutating func removeAll() { dense.removeAll(keepingCapacity: true) }
}

private struct ProgramBuilder {
    var program: [ECMARegex.Instruction] = []
    var sets: [CharSet] = []

    mutating func append(_ i: ECMARegex.Instruction) { program.append(i) }

    mutating func emit(_ node: RegexNode) throws(ECMARegex.CompileError) {
        if program.count > ECMARegex.maxProgramSize { throw .tooLarge }
        switch node {
        case .empty: break
        case let .scalar(v): append(.scalar(v))
        case let .set(s): sets.append(s); append(.set(sets.count - 1))
        case .dot: append(.any)
        case let .concat(xs): for x in xs { try emit(x) }
        case let .group(x): try emit(x)
        case .start: append(.assertStart)
        case .end: append(.assertEnd)
        case .wordBoundary: append(.wordBoundary)
        case .notWordBoundary: append(.notWordBoundary)
        case let .unsupported(what): throw .unsupported(what)
        case let .alternation(xs):
            var jumpsToEnd: [Int] = []
            for (k, x) in xs.enumerated() {
                if k < xs.count - 1 {
                    let split = program.count
                    append(.split(split + 1, -1))
                    try emit(x)
                    jumpsToEnd.append(program.count)
                    append(.jump(-1))
                    program[split] = .split(split + 1, program.count)
                } else {
                    try emit(x)
                }
            }
            for j in jumpsToEnd { program[j] = .jump(program.count) }
        case let .repetition(x, lo, hi):
            if lo > ECMARegex.maxProgramSize || (hi ?? 0) > ECMARegex.maxProgramSize { throw .tooLarge }
            for _ in 0..<lo { try emit(x) }
            if let hi {
                // x? x? … nested so that each optional copy can only follow the previous one.
                var splits: [Int] = []
                for _ in lo..<hi {
                    splits.append(program.count)
                    append(.split(program.count + 1, -1))
                    try emit(x)
                    if program.count > ECMARegex.maxProgramSize { throw .tooLarge }
                }
                for s in splits { program[s] = .split(s + 1, program.count) }
            } else {
                let loop = program.count
                append(.split(loop + 1, -1))
                try emit(x)
                append(.jump(loop))
                program[loop] = .split(loop + 1, program.count)
            }
        }
        if program.count > ECMARegex.maxProgramSize { throw .tooLarge }
    }
}

extension RegexNode {
    /// Whether every match must begin at the start of the input.
    var startsAnchored: Bool {
        switch self {
        case .start: return true
        case let .concat(xs): return xs.first?.startsAnchored ?? false
        case let .group(x): return x.startsAnchored
        case let .alternation(xs): return xs.allSatisfy(\.startsAnchored)
        default: return false
        }
    }
}
