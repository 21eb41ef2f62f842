import HotswapCore

// ASCII bytes the parser dispatches on, named once so the grammar code reads like the spec.
private let tab: UInt8 = 0x09, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D, space: UInt8 = 0x20
private let quote: UInt8 = 0x22, hash: UInt8 = 0x23, apostrophe: UInt8 = 0x27
private let plus: UInt8 = 0x2B, comma: UInt8 = 0x2C, minus: UInt8 = 0x2D, dot: UInt8 = 0x2E
private let colon: UInt8 = 0x3A, equals: UInt8 = 0x3D, backslash: UInt8 = 0x5C, underscore: UInt8 = 0x5F
private let openBracket: UInt8 = 0x5B, closeBracket: UInt8 = 0x5D
private let openBrace: UInt8 = 0x7B, closeBrace: UInt8 = 0x7D
private let digit0: UInt8 = 0x30, digit9: UInt8 = 0x39

@inline(__always) private func isDigit(_ b: UInt8) -> Bool { b &- digit0 < 10 }

@inline(__always) private func isHexDigit(_ b: UInt8) -> Bool {
    isDigit(b) || (b | 0x20) &- 0x61 < 6
}

/// `A-Z a-z 0-9 _ -`: the characters of a bare key.
@inline(__always) private func isBareKeyByte(_ b: UInt8) -> Bool {
    isDigit(b) || (b | 0x20) &- 0x61 < 26 || b == underscore || b == minus
}

/// Bytes that may continue a number, boolean or date token. A value followed directly by one
/// of these (`1x`, `truex`, `1979-05-27T07:32:00Zx`) is malformed, not two tokens.
@inline(__always) private func isTokenByte(_ b: UInt8) -> Bool {
    isBareKeyByte(b) || b == plus || b == dot || b == colon
}

/// A position in the input, with the line it is on, so that its `Origin` can be computed
/// later (after a multi-line value has moved the parser on).
struct TOMLMark {
    var offset: Int
    var line: Int
    var lineStart: Int
}

/// The TOML 1.0 parser: one pass over the UTF-8 bytes, building tables in an arena and
/// turning them into `Value`s at the end.
///
/// Tables live in an arena (`tables`) rather than in `Value`s while parsing, because TOML lets
/// a later `[header]` add to a table opened much earlier, and because the redefinition rules
/// depend on *how* a table came to exist (see `TableState`). Inline tables and arrays cannot be
/// extended once closed, so they are built as finished `Value`s straight away.
///
/// Nothing recurses while reading: nested arrays and inline tables use an explicit stack
/// (`parseValue`). Only `materialize` recurses, over tables nested at most `maxDepth` deep.
struct TOMLParser {
    /// How a table came to exist, which decides what may later add to it (TOML 1.0, "Table").
    enum TableState {
        /// Created only as the parent of a header (`a` for `[a.b]`): a later `[a]` may define it.
        case implicit
        /// Defined by its own `[header]` or `[[header]]`: defining it again is an error, and
        /// dotted keys from a parent section may not reach into it.
        case header
        /// Created by a dotted key (`a.b = 1` creates `a`): no `[a]` header may define it later,
        /// though `[a.c]` may still add a sub-table.
        case dotted
    }

    /// What a key names in a table under construction.
    enum Node {
        /// A finished value: scalar, array or inline table. Nothing may add to it.
        case leaf(Value)
        case table(Int)
        /// An array of tables; the payload indexes `tableArrays`.
        case tableArray(Int)
    }

    struct Table {
        var state: TableState
        var depth: Int
        var origin: Origin
        /// The members in document order; they become an `Object` in one step at the end.
        var keys: [String] = []
        var values: [Value] = []
        /// Per member: `-1` for a finished value, else a table still being built (`2·id`) or
        /// an array of tables (`2·id + 1`, indexing `tableArrays`), whose `values` slot holds
        /// `.null` until `materialize`.
        var members: [Int] = []
        /// Key → position, kept only once the table outgrows a linear scan of `keys`.
        var index: [String: Int] = [:]

        init(state: TableState, depth: Int, origin: Origin) {
            self.state = state
            self.depth = depth
            self.origin = origin
        }
    }

    struct KeyPart {
        var name: String
        var mark: TOMLMark
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let end: Int
    let file: String
    let maxDepth: Int
    /// Where the document starts: 3 after a UTF-8 byte order mark, else 0.
    let bodyStart: Int
    var pos: Int
    var line = 1
    var lineStart: Int

    var tables: [Table] = []
    var tableArrays: [[Int]] = []
    /// Reused buffer for strings with escapes, so each does not allocate its own.
    var scratch: [UInt8] = []
    /// The parts of the keys being parsed. A key's parts stay here, addressed by a range,
    /// until its value is stored (nested inline tables push theirs on top), so that no key
    /// needs an array of its own.
    var keyStack: [KeyPart] = []

    /// Offset of the first byte above 0x7F (`Int.max` if none): before it, columns are byte counts.
    var firstNonASCII = Int.max

    // Column cache: columns are counted in Unicode scalars from the start of the line, and a
    // long one-line array would otherwise be rescanned for every element.
    var columnCacheLineStart = -1
    var columnCacheOffset = 0
    var columnCacheColumn = 1

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, options: ParseOptions) {
        self.bytes = bytes
        self.end = bytes.count
        self.file = options.fileName
        self.maxDepth = options.maxDepth
        self.bodyStart = start
        self.pos = start
        self.lineStart = start
    }

    // MARK: Positions and errors

    @inline(__always) func peek(_ ahead: Int = 0) -> UInt8 {
        let i = pos &+ ahead
        return i < end ? bytes[i] : 0   // NUL never reaches the parser (rejected up front).
    }

    @inline(__always) func mark() -> TOMLMark { TOMLMark(offset: pos, line: line, lineStart: lineStart) }

    @inline(__always) mutating func newline(after offset: Int) {
        line &+= 1
        lineStart = offset &+ 1
    }

    @inline(__always) mutating func origin(_ m: TOMLMark) -> Origin {
        if m.offset <= firstNonASCII {
            return Origin(file: file, line: m.line, column: m.offset - m.lineStart + 1)
        }
        return Origin(file: file, line: m.line, column: column(m))
    }

    /// The column of `m` on a line with non-ASCII text before it.
    @inline(never) mutating func column(_ m: TOMLMark) -> Int {
        var column = 1
        if columnCacheLineStart == m.lineStart && columnCacheOffset > m.offset
            && columnCacheOffset - m.offset < m.offset - m.lineStart
        {
            // A little way back from the last position asked for (the key before its value):
            // count back rather than from the start of a possibly very long line.
            column = columnCacheColumn
            var i = m.offset
            while i < columnCacheOffset {
                if bytes[i] & 0xC0 != 0x80 { column &-= 1 }
                i &+= 1
            }
        } else {
            var i = m.lineStart
            if columnCacheLineStart == m.lineStart && columnCacheOffset <= m.offset {
                i = columnCacheOffset
                column = columnCacheColumn
            }
            while i < m.offset {
                if bytes[i] & 0xC0 != 0x80 { column &+= 1 }
                i &+= 1
            }
        }
        columnCacheLineStart = m.lineStart
        columnCacheOffset = m.offset
        columnCacheColumn = column
        return column
    }

    mutating func originHere() -> Origin { origin(mark()) }

    /// The mark of any offset, even on an earlier line (errors only: it may rescan the input).
    @inline(never) func mark(at offset: Int) -> TOMLMark {
        var l = line, start = lineStart, i = lineStart
        if offset < lineStart { l = 1; start = bodyStart; i = bodyStart }
        while i < offset && i < end {
            if bytes[i] == lf { l += 1; start = i + 1 }
            i += 1
        }
        return TOMLMark(offset: offset, line: l, lineStart: start)
    }

    @inline(never) mutating func fail(_ code: ConfigError.Code, _ message: String, at offset: Int? = nil) -> ConfigError {
        ConfigError(code, message, at: origin(mark(at: offset ?? pos)))
    }

    @inline(never) mutating func fail(_ code: ConfigError.Code, _ message: String, at m: TOMLMark) -> ConfigError {
        ConfigError(code, message, at: origin(m))
    }

    /// A syntax error at `offset` (default: the current position).
    @inline(never) mutating func fail(_ message: String, at offset: Int? = nil) -> ConfigError {
        fail(.syntax, message, at: offset)
    }

    /// How to name what sits at `offset` in a message: `'x'`, `end of line`, `end of input`.
    @inline(never) func describe(at offset: Int) -> String {
        guard offset < end else { return "end of input" }
        let b = bytes[offset]
        if b == lf || b == cr { return "end of line" }
        if b < 0x80 { return "'" + String(UnicodeScalar(b)) + "'" }
        var n = offset + 1
        while n < end && bytes[n] & 0xC0 == 0x80 { n += 1 }
        return "'" + String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<n]), as: UTF8.self) + "'"
    }

    func text(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }

    /// The dotted key `keyStack[keys]`, as messages show it; cut short past 100 characters so
    /// that a hostile 100,000-part key still gives a one-line message.
    @inline(never) func keyText(_ keys: Range<Int>) -> String {
        let shown = keys.prefix(50)
        let text = ConfigPath(tokens: shown.map { keyStack[$0].name }).description
        if text.count <= 100 && shown.count == keys.count { return text }
        return String(text.prefix(100)) + "…"
    }

    // MARK: Document

    mutating func parseDocument() throws(ConfigError) -> Value {
        tables.reserveCapacity(64)
        // The document is level 1, as the outermost container is in JSON and YAML.
        tables.append(Table(state: .header, depth: 1, origin: Origin(file: file, line: 1, column: 1)))
        var current = 0
        while true {
            skipSpaces()
            let c = peek()
            if pos >= end { break }
            switch c {
            case lf:
                newline(after: pos)
                pos += 1
                continue
            case cr:
                newline(after: pos + 1)
                pos += 2
                continue
            case hash:
                skipComment()
                continue
            case openBracket:
                current = try parseHeader()
                guard skipToLineEnd() else { throw notAtLineEnd("after the table header") }
            default:
                try parseKeyValue(into: current)
            }
        }
        return materialize(0)
    }

    @inline(__always) mutating func skipSpaces() {
        while pos < end {
            let b = bytes[pos]
            guard b == space || b == tab else { return }
            pos &+= 1
        }
    }

    /// Skips a comment up to (not including) the end of its line. Its characters were
    /// already checked for control characters and UTF-8 validity.
    mutating func skipComment() {
        while pos < end {
            let b = bytes[pos]
            if b == lf || b == cr { return }
            pos &+= 1
        }
    }

    /// Whitespace, comments and newlines, as allowed between array elements.
    mutating func skipBlank() {
        while pos < end {
            switch bytes[pos] {
            case space, tab: pos &+= 1
            case lf: newline(after: pos); pos &+= 1
            case cr: newline(after: pos &+ 1); pos &+= 2
            case hash: skipComment()
            default: return
            }
        }
    }

    /// After a key/value pair or a header only a comment may follow on the same line: skips
    /// it and says whether the line (or the input) ends there.
    mutating func skipToLineEnd() -> Bool {
        skipSpaces()
        if peek() == hash { skipComment() }
        return pos >= end || peek() == lf || peek() == cr
    }

    @inline(never) mutating func notAtLineEnd(_ context: String) -> ConfigError {
        fail("unexpected \(describe(at: pos)) \(context); each key/value pair and header needs its own line")
    }

    // MARK: Tables

    mutating func newTable(_ state: TableState, depth: Int, at m: TOMLMark) throws(ConfigError) -> Int {
        guard depth <= maxDepth else {
            throw fail(.limit, "tables nested deeper than the limit of \(maxDepth)", at: m)
        }
        tables.append(Table(state: state, depth: depth, origin: origin(m)))
        return tables.count - 1
    }

    /// Tables up to this size find keys by a linear scan, cheaper than hashing for the small
    /// tables that configuration files are made of.
    static let linearScanLimit = 8

    @inline(__always) func position(of name: String, in t: Int) -> Int? {
        if tables[t].keys.count > Self.linearScanLimit { return tables[t].index[name] }
        return tables[t].keys.firstIndex(of: name)
    }

    /// What `name` currently names in table `t`, if anything.
    @inline(__always) func lookup(_ name: String, in t: Int) -> Node? {
        guard let i = position(of: name, in: t) else { return nil }
        let member = tables[t].members[i]
        if member < 0 { return .leaf(tables[t].values[i]) }
        return member & 1 == 0 ? .table(member >> 1) : .tableArray(member >> 1)
    }

    mutating func append(_ name: String, _ value: consuming Value, member: Int, to t: Int) {
        let i = tables[t].keys.count
        if i == 0 {
            tables[t].keys.reserveCapacity(4)
            tables[t].values.reserveCapacity(4)
            tables[t].members.reserveCapacity(4)
        }
        tables[t].keys.append(name)
        tables[t].values.append(value)
        tables[t].members.append(member)
        if i == Self.linearScanLimit {
            let keys = tables[t].keys
            tables[t].index.reserveCapacity(2 * keys.count)
            for (j, k) in keys.enumerated() { tables[t].index[k] = j }
        } else if i > Self.linearScanLimit {
            tables[t].index[name] = i
        }
    }

    @inline(__always) mutating func addChild(_ name: String, _ node: Node, to t: Int) {
        switch node {
        case .leaf: preconditionFailure("addChild is for tables")
        case let .table(id): append(name, .null, member: id << 1, to: t)
        case let .tableArray(id): append(name, .null, member: id << 1 | 1, to: t)
        }
    }

    func nodeOrigin(_ node: Node) -> Origin? {
        switch node {
        case let .leaf(v): return v.origin
        case let .table(t): return tables[t].origin
        case let .tableArray(a): return tables[tableArrays[a][0]].origin
        }
    }

    @inline(never) func firstDefined(_ node: Node) -> String {
        guard let o = nodeOrigin(node) else { return "" }
        return " (first defined at line \(o.line), column \(o.column))"
    }

    /// `[a.b]` or `[[a.b]]`: finds or creates the table, enforcing TOML's rules on defining a
    /// table twice and on mixing tables with arrays of tables. Returns the table that the
    /// following key/value pairs go into.
    @inline(never) mutating func parseHeader() throws(ConfigError) -> Int {
        let start = mark()
        let isArray = peek(1) == openBracket
        pos += isArray ? 2 : 1
        skipSpaces()
        let parts = try parseKey()
        defer { popKeys(to: parts.lowerBound) }
        skipSpaces()
        if isArray {
            guard peek() == closeBracket && peek(1) == closeBracket else {
                throw fail("expected ']]' to close the array of tables header [[\(keyText(parts))]], found \(describe(at: pos))")
            }
            pos += 2
        } else {
            guard peek() == closeBracket else {
                throw fail("expected ']' to close the table header [\(keyText(parts))], found \(describe(at: pos))")
            }
            pos += 1
        }
        var header: String { isArray ? "[[\(keyText(parts))]]" : "[\(keyText(parts))]" }

        var t = 0
        for i in parts {
            let part = keyStack[i]
            let last = i == parts.upperBound - 1
            let depth = tables[t].depth + 1
            guard let node = lookup(part.name, in: t) else {
                if last && isArray {
                    let element = try newTable(.header, depth: depth + 1, at: start)
                    tableArrays.append([element])
                    addChild(part.name, .tableArray(tableArrays.count - 1), to: t)
                    return element
                }
                let child = try newTable(last ? .header : .implicit, depth: depth, at: last ? start : part.mark)
                addChild(part.name, .table(child), to: t)
                t = child
                continue
            }
            var path: String { keyText(parts.lowerBound..<i + 1) }
            switch node {
            case let .leaf(v):
                let what = v.arrayValue != nil ? "an array" : v.objectValue != nil ? "an inline table" : "a value"
                throw fail(.duplicateKey, "cannot define \(header): key '\(path)' is already \(what)\(firstDefined(node)), which cannot be extended", at: part.mark)
            case let .tableArray(a):
                if !last {
                    t = tableArrays[a][tableArrays[a].count - 1]
                } else if isArray {
                    let element = try newTable(.header, depth: depth + 1, at: start)
                    tableArrays[a].append(element)
                    return element
                } else {
                    throw fail(.duplicateKey, "cannot define \(header): '\(path)' is already an array of tables\(firstDefined(node)); use [[\(path)]] to add an element", at: start)
                }
            case let .table(child):
                if !last {
                    t = child
                } else if isArray {
                    throw fail(.duplicateKey, "cannot define \(header): '\(path)' is already a table\(firstDefined(node))", at: start)
                } else {
                    switch tables[child].state {
                    case .implicit:
                        tables[child].state = .header
                        tables[child].origin = origin(start)
                        return child
                    case .header:
                        throw fail(.duplicateKey, "table \(header) is defined twice\(firstDefined(node))", at: start)
                    case .dotted:
                        throw fail(.duplicateKey, "cannot define \(header): table '\(path)' was already created by a dotted key\(firstDefined(node))", at: start)
                    }
                }
            }
        }
        return t
    }

    /// A `key = value` line of a table section.
    mutating func parseKeyValue(into t: Int) throws(ConfigError) {
        let parts = try parsePairHead(into: t, inline: false)
        try insert(try parseValue(depth: tables[t].depth + parts.count), at: parts, into: t)
        guard skipToLineEnd() else { throw notAtLineEnd("after the value of key '\(keyText(parts))'") }
        popKeys(to: parts.lowerBound)
    }

    enum PairError { case noEquals, tooDeep, noValue }

    /// The `key =` of a pair in table `t`, up to the start of the value. Returns where the
    /// key's parts are on `keyStack`; the caller pops them once the value is stored.
    mutating func parsePairHead(into t: Int, inline: Bool) throws(ConfigError) -> Range<Int> {
        let parts = try parseKey()
        skipSpaces()
        guard peek() == equals else { throw pairError(.noEquals, parts, inline: inline) }
        pos += 1
        skipSpaces()
        // The tables a dotted key creates; a value that is itself an array or inline table is
        // checked when it opens.
        guard tables[t].depth + parts.count - 1 <= maxDepth else { throw pairError(.tooDeep, parts, inline: inline) }
        let c = peek()
        if pos >= end || c == lf || c == cr || c == hash || (inline && (c == comma || c == closeBrace)) {
            throw pairError(.noValue, parts, inline: inline)
        }
        return parts
    }

    @inline(never) mutating func pairError(_ kind: PairError, _ parts: Range<Int>, inline: Bool) -> ConfigError {
        let key = keyText(parts)
        let place = inline ? " in inline table" : ""
        switch kind {
        case .noEquals:
            return fail("expected '=' after key '\(key)'\(place), found \(describe(at: pos))")
        case .tooDeep:
            return fail(.limit, "key '\(key)' is nested deeper than the limit of \(maxDepth)", at: keyStack[parts.lowerBound].mark)
        case .noValue:
            return fail("missing value after '=' for key '\(key)'\(place)")
        }
    }

    @inline(never) mutating func insert(_ value: consuming Value, at parts: Range<Int>, into start: Int) throws(ConfigError) {
        var t = start
        for i in parts {
            let part = keyStack[i]
            var path: String { keyText(parts.lowerBound..<i + 1) }
            if i == parts.upperBound - 1 {
                if let node = lookup(part.name, in: t) {
                    throw fail(.duplicateKey, "duplicate key '\(path)'\(firstDefined(node))", at: part.mark)
                }
                append(part.name, value, member: -1, to: t)
                return
            }
            guard let node = lookup(part.name, in: t) else {
                let child = try newTable(.dotted, depth: tables[t].depth + 1, at: part.mark)
                addChild(part.name, .table(child), to: t)
                t = child
                continue
            }
            switch node {
            case let .table(child):
                switch tables[child].state {
                case .dotted:
                    t = child
                case .implicit:
                    // Created only as the parent of an earlier header, never defined: a dotted
                    // key defines it now, so no [header] may define it later.
                    tables[child].state = .dotted
                    t = child
                case .header:
                    throw fail(.duplicateKey, "cannot add to table '\(path)' with a dotted key: it was defined by a [header]\(firstDefined(node))", at: part.mark)
                }
            case .tableArray:
                throw fail(.duplicateKey, "cannot add to '\(path)' with a dotted key: it is an array of tables\(firstDefined(node))", at: part.mark)
            case let .leaf(v):
                let what = v.objectValue != nil ? "an inline table, which cannot be extended" : "a value, not a table"
                throw fail(.duplicateKey, "cannot use key '\(path)' as a table: it is already \(what)\(firstDefined(node))", at: part.mark)
            }
        }
    }

    /// Turns an arena table into a `Value`, moving its members out of the arena so that
    /// filling in the sub-tables does not copy them. Recursion depth is bounded by `maxDepth`.
    mutating func materialize(_ t: Int) -> Value {
        var values = tables[t].values
        tables[t].values = []
        let members = tables[t].members
        for i in members.indices where members[i] >= 0 {
            let id = members[i] >> 1
            if members[i] & 1 == 0 {
                values[i] = materialize(id)
            } else {
                let elements = tableArrays[id]
                var array: [Value] = []
                array.reserveCapacity(elements.count)
                for e in elements { array.append(materialize(e)) }
                values[i] = .array(array, origin: tables[elements[0]].origin)
            }
        }
        let keys = tables[t].keys
        tables[t].keys = []
        return .object(Object(uniqueKeys: keys, values: values), origin: tables[t].origin)
    }

    // MARK: Keys

    @inline(__always) mutating func popKeys(to count: Int) {
        // One at a time: removeLast(_:) goes through the generic replaceSubrange.
        while keyStack.count > count { keyStack.removeLast() }
    }

    /// Parses a possibly dotted key onto `keyStack` and returns where its parts are.
    mutating func parseKey() throws(ConfigError) -> Range<Int> {
        let first = keyStack.count
        while true {
            let m = mark()
            let name = try parseSimpleKey()
            keyStack.append(KeyPart(name: name, mark: m))
            skipSpaces()
            guard peek() == dot else { return first..<keyStack.count }
            pos += 1
            skipSpaces()
        }
    }

    mutating func parseSimpleKey() throws(ConfigError) -> String {
        let c = peek()
        if pos < end && isBareKeyByte(c) {
            let start = pos
            pos += 1
            while pos < end && isBareKeyByte(bytes[pos]) { pos += 1 }
            return text(start, pos)
        }
        if c == quote || c == apostrophe {
            if peek(1) == c && peek(2) == c {
                throw fail("a multi-line string cannot be used as a key")
            }
            return c == quote ? try parseBasicString() : try parseLiteralString()
        }
        if pos >= end || c == lf || c == cr {
            throw fail("expected a key, found \(describe(at: pos))")
        }
        throw fail("expected a key, found \(describe(at: pos)) (bare keys may contain only A-Z, a-z, 0-9, '_' and '-'; quote other keys)")
    }

    // MARK: Values

    /// An array or inline table that `parseValue` has opened and not yet closed.
    struct OpenContainer {
        var isArray: Bool
        var open: TOMLMark
        /// Computed when the container opens, while columns are still counted forwards.
        var origin: Origin
        /// The container's own nesting depth.
        var depth: Int
        /// Arrays: the elements so far.
        var items: [Value] = []
        /// Inline tables: the arena table being filled, and the key whose value is being parsed.
        var root = 0
        var keys = 0..<0
    }

    /// Parses one value. Arrays and inline tables are parsed with an explicit stack rather
    /// than by recursion, so nesting depth costs heap, not thread stack: `maxDepth` is the
    /// only bound, and a deep document is a clean `.limit` error on any thread.
    mutating func parseValue(depth startDepth: Int) throws(ConfigError) -> Value {
        var stack: [OpenContainer] = []
        var depth = startDepth
        while true {
            var value: Value
            let c = peek()
            if c == openBracket || c == openBrace {
                let open = mark()
                guard depth <= maxDepth else { throw tooDeep(open) }
                pos += 1
                if c == openBracket {
                    skipBlank()
                    if peek() != closeBracket {
                        if pos >= end { throw arrayError(open) }
                        stack.append(OpenContainer(isArray: true, open: open, origin: origin(open), depth: depth))
                        depth += 1
                        continue
                    }
                    pos += 1
                    value = .array([], origin: origin(open))
                } else {
                    let root = tables.count
                    let o = origin(open)
                    tables.append(Table(state: .dotted, depth: depth, origin: o))
                    skipSpaces()
                    if peek() != closeBrace {
                        let keys = try parsePairHead(into: root, inline: true)
                        stack.append(OpenContainer(isArray: false, open: open, origin: o, depth: depth, root: root, keys: keys))
                        depth += keys.count
                        continue
                    }
                    pos += 1
                    value = finishInlineTable(root)
                }
            } else {
                value = try parseScalar()
            }

            // The value is complete: hand it to the innermost open container, and close
            // containers for as long as their closing bracket follows.
            while true {
                guard !stack.isEmpty else { return value }
                let top = stack.count - 1
                if stack[top].isArray {
                    stack[top].items.append(consume value)
                    skipBlank()
                    var next = peek()
                    if next == comma {
                        pos += 1
                        skipBlank()
                        next = peek()
                        if next != closeBracket {
                            if pos >= end { throw arrayError(stack[top].open) }
                            depth = stack[top].depth + 1
                            break
                        }
                    }
                    guard next == closeBracket else { throw arrayError(stack[top].open) }
                    pos += 1
                    let done = stack.removeLast()
                    value = .array(done.items, origin: done.origin)
                } else {
                    let keys = stack[top].keys
                    try insert(consume value, at: keys, into: stack[top].root)
                    skipSpaces()
                    let next = peek()
                    guard next == comma || next == closeBrace else { throw inlineTableError(keys) }
                    popKeys(to: keys.lowerBound)
                    pos += 1
                    if next == comma {
                        skipSpaces()
                        if peek() == closeBrace { throw inlineTableError(nil) }
                        stack[top].keys = try parsePairHead(into: stack[top].root, inline: true)
                        depth = stack[top].depth + stack[top].keys.count
                        break
                    }
                    value = finishInlineTable(stack.removeLast().root)
                }
            }
        }
    }

    /// Freezes an inline table into a Value and drops its arena entries: tables nest
    /// strictly, so they are the last ones.
    mutating func finishInlineTable(_ root: Int) -> Value {
        let value = materialize(root)
        tables.removeLast(tables.count - root)
        return value
    }

    @inline(never) mutating func parseScalar() throws(ConfigError) -> Value {
        let c = peek()
        switch c {
        case quote:
            let m = mark()
            let s = peek(1) == quote && peek(2) == quote ? try parseMultilineBasicString() : try parseBasicString()
            return .string(s, origin: origin(m))
        case apostrophe:
            let m = mark()
            let s = peek(1) == apostrophe && peek(2) == apostrophe ? try parseMultilineLiteralString() : try parseLiteralString()
            return .string(s, origin: origin(m))
        case 0x74: // t
            return try parseKeyword("true", .bool(true))
        case 0x66: // f
            return try parseKeyword("false", .bool(false))
        case digit0...digit9:
            if isDigit(peek(1)) {
                if isDigit(peek(2)) && isDigit(peek(3)) && peek(4) == minus { return try parseDateTime() }
                if peek(2) == colon { return try parseDateTime() }
            }
            return try parseNumber()
        case plus, minus, 0x69, 0x6E: // i, n
            return try parseNumber()
        default:
            throw fail("expected a value, found \(describe(at: pos))")
        }
    }

    @inline(never) mutating func parseKeyword(_ word: StaticString, _ kind: Value.Kind) throws(ConfigError) -> Value {
        let start = pos
        let n = word.utf8CodeUnitCount
        var tokenEnd = pos
        while tokenEnd < end && isTokenByte(bytes[tokenEnd]) { tokenEnd += 1 }
        let matches = tokenEnd - pos == n && word.withUTF8Buffer { w in
            for i in 0..<n where w[i] != bytes[start + i] { return false }
            return true
        }
        guard matches else {
            throw fail("invalid value '\(text(start, max(tokenEnd, start + 1)))' (booleans are lower-case true and false; strings need quotes)")
        }
        let o = originHere()
        pos = tokenEnd
        return Value(kind, origin: o)
    }

    @inline(never) mutating func tooDeep(_ open: TOMLMark) -> ConfigError {
        fail(.limit, "arrays and inline tables nested deeper than the limit of \(maxDepth)", at: open)
    }

    @inline(never) mutating func arrayError(_ open: TOMLMark) -> ConfigError {
        if pos >= end {
            return fail("unterminated array: expected ']' to close the array opened at line \(open.line), found end of input")
        }
        return fail("expected ',' or ']' after an array element, found \(describe(at: pos))")
    }

    /// A bad separator after the pair `parts`, or (nil) a trailing comma.
    @inline(never) mutating func inlineTableError(_ parts: Range<Int>?) -> ConfigError {
        guard let parts else {
            return fail("trailing comma before '}' is not allowed in an inline table (TOML 1.0)")
        }
        let d = peek()
        if pos >= end || d == lf || d == cr || d == hash {
            return fail("expected ',' or '}' in inline table, found \(describe(at: pos)) (an inline table must close on the line it opens in TOML 1.0)")
        }
        return fail("expected ',' or '}' after the value of key '\(keyText(parts))' in inline table, found \(describe(at: pos))")
    }

    // MARK: Strings

    /// Rejects a raw line break inside a one-line string with a message that says what to do.
    @inline(never) mutating func unterminated(_ what: String, startedAt start: Int) -> ConfigError {
        let here = pos
        if pos >= end {
            return fail("unterminated \(what): reached end of input", at: start)
        }
        return fail("unterminated \(what): line break inside a single-line string (use \\n, or a multi-line string)", at: here)
    }

    @inline(never) mutating func parseBasicString() throws(ConfigError) -> String {
        let start = pos
        pos += 1
        // Fast path: no escapes.
        let contentStart = pos
        while pos < end {
            let b = bytes[pos]
            if b == quote {
                let s = text(contentStart, pos)
                pos += 1
                return s
            }
            if b == backslash || b == lf || b == cr { break }
            pos &+= 1
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[contentStart..<pos]))
        while true {
            guard pos < end else { throw unterminated("string", startedAt: start) }
            let b = bytes[pos]
            switch b {
            case quote:
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            case backslash:
                try parseEscape()
            case lf, cr:
                throw unterminated("string", startedAt: start)
            default:
                scratch.append(b)
                pos &+= 1
            }
        }
    }

    /// Appends the character an escape sequence stands for to `scratch`.
    @inline(never) mutating func parseEscape() throws(ConfigError) {
        let start = pos
        let e = peek(1)
        pos += 2
        switch e {
        case 0x62: scratch.append(0x08)   // \b
        case 0x74: scratch.append(0x09)   // \t
        case 0x6E: scratch.append(0x0A)   // \n
        case 0x66: scratch.append(0x0C)   // \f
        case 0x72: scratch.append(0x0D)   // \r
        case quote: scratch.append(quote)
        case backslash: scratch.append(backslash)
        case 0x75, 0x55: // \u, \U
            let n = e == 0x75 ? 4 : 8
            var code: UInt32 = 0
            for i in 0..<n {
                let h = peek(i)
                guard pos + i < end && isHexDigit(h) else {
                    throw fail("invalid escape \(text(start, min(pos + i + 1, end))): \\\(e == 0x75 ? "u" : "U") needs exactly \(n) hex digits", at: start)
                }
                code = code << 4 | UInt32(isDigit(h) ? h - digit0 : (h | 0x20) - 0x61 + 10)
            }
            guard let scalar = UnicodeScalar(code) else {
                throw fail("invalid escape \(text(start, pos + n)): U+\(String(code, radix: 16, uppercase: true)) is not a Unicode scalar value", at: start)
            }
            pos += n
            scratch.append(contentsOf: String(scalar).utf8)
        default:
            if start + 1 >= end || e == lf || e == cr {
                throw fail("a backslash at the end of the line is only allowed in a multi-line string", at: start)
            }
            throw fail("invalid escape sequence \\\(describe(at: start + 1).dropFirst().dropLast()) (allowed: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)", at: start)
        }
    }

    @inline(never) mutating func parseMultilineBasicString() throws(ConfigError) -> String {
        let start = pos
        pos += 3
        skipNewlineAfterOpening()
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard pos < end else {
                throw fail("unterminated multi-line string: expected closing \"\"\"", at: start)
            }
            let b = bytes[pos]
            switch b {
            case quote:
                var n = 1
                while peek(n) == quote { n += 1 }
                if n < 3 {
                    scratch.append(contentsOf: repeatElement(quote, count: n))
                    pos += n
                    continue
                }
                guard n <= 5 else {
                    throw fail("too many quotes: at most two '\"' may directly precede the closing \"\"\"", at: pos + 5)
                }
                scratch.append(contentsOf: repeatElement(quote, count: n - 3))
                pos += n
                return String(decoding: scratch, as: UTF8.self)
            case backslash:
                // A backslash ending a line removes the line break and all the whitespace after it.
                var i = pos + 1
                while i < end && (bytes[i] == space || bytes[i] == tab) { i += 1 }
                if i < end && (bytes[i] == lf || bytes[i] == cr) {
                    pos = i
                    while pos < end {
                        let w = bytes[pos]
                        if w == space || w == tab {
                            pos += 1
                        } else if w == lf {
                            newline(after: pos); pos += 1
                        } else if w == cr {
                            newline(after: pos + 1); pos += 2
                        } else {
                            break
                        }
                    }
                } else {
                    try parseEscape()
                }
            case lf:
                newline(after: pos)
                scratch.append(lf)
                pos += 1
            case cr:
                newline(after: pos + 1)
                scratch.append(cr)
                scratch.append(lf)
                pos += 2
            default:
                scratch.append(b)
                pos &+= 1
            }
        }
    }

    @inline(never) mutating func parseLiteralString() throws(ConfigError) -> String {
        let start = pos
        pos += 1
        let contentStart = pos
        while pos < end {
            let b = bytes[pos]
            if b == apostrophe {
                let s = text(contentStart, pos)
                pos += 1
                return s
            }
            if b == lf || b == cr { break }
            pos &+= 1
        }
        throw unterminated("literal string", startedAt: start)
    }

    @inline(never) mutating func parseMultilineLiteralString() throws(ConfigError) -> String {
        let start = pos
        pos += 3
        skipNewlineAfterOpening()
        let contentStart = pos
        while pos < end {
            let b = bytes[pos]
            if b == apostrophe {
                var n = 1
                while peek(n) == apostrophe { n += 1 }
                if n < 3 { pos += n; continue }
                guard n <= 5 else {
                    throw fail("too many quotes: at most two \"'\" may directly precede the closing '''", at: pos + 5)
                }
                let s = text(contentStart, pos + n - 3)
                pos += n
                return s
            }
            if b == lf { newline(after: pos) } else if b == cr { newline(after: pos + 1); pos += 1 }
            pos &+= 1
        }
        throw fail("unterminated multi-line literal string: expected closing '''", at: start)
    }

    /// A line break directly after the opening delimiter is not part of a multi-line string.
    mutating func skipNewlineAfterOpening() {
        if peek() == lf {
            newline(after: pos); pos += 1
        } else if peek() == cr {
            newline(after: pos + 1); pos += 2
        }
    }

    // MARK: Numbers

    @inline(never) mutating func parseNumber() throws(ConfigError) -> Value {
        let start = pos
        var tokenEnd = pos
        while tokenEnd < end && isTokenByte(bytes[tokenEnd]) && bytes[tokenEnd] != colon { tokenEnd += 1 }
        if tokenEnd == start { tokenEnd = start + 1 }
        let o = originHere()
        let token = UnsafeBufferPointer(rebasing: bytes[start..<tokenEnd])
        let kind = try numberKind(token, start: start)
        pos = tokenEnd
        return Value(kind, origin: o)
    }

    @inline(never) mutating func badNumber(_ token: UnsafeBufferPointer<UInt8>, start: Int, _ why: String) -> ConfigError {
        let t = String(decoding: token, as: UTF8.self)
        return fail("invalid number '\(t)': \(why)", at: start)
    }

    mutating func numberKind(_ t: UnsafeBufferPointer<UInt8>, start: Int) throws(ConfigError) -> Value.Kind {
        let n = t.count
        var i = 0
        var negative = false
        if t[0] == plus || t[0] == minus {
            negative = t[0] == minus
            i = 1
        }
        if n - i == 3 {
            if t[i] == 0x69 && t[i + 1] == 0x6E && t[i + 2] == 0x66 { // inf
                return .float(negative ? -.infinity : .infinity)
            }
            if t[i] == 0x6E && t[i + 1] == 0x61 && t[i + 2] == 0x6E { // nan
                return .float(negative ? -.nan : .nan)
            }
        }
        guard i < n && isDigit(t[i]) else {
            if i == n {
                throw badNumber(t, start: start, "a sign must be followed by digits, inf or nan")
            }
            throw badNumber(t, start: start, "expected a digit (strings need quotes; special floats are inf and nan)")
        }

        // 0x, 0o, 0b
        if t[i] == digit0 && i + 1 < n && (t[i + 1] == 0x78 || t[i + 1] == 0x6F || t[i + 1] == 0x62) {
            guard i == 0 else {
                throw badNumber(t, start: start, "hexadecimal, octal and binary integers cannot have a sign")
            }
            let radix: UInt64 = t[1] == 0x78 ? 16 : t[1] == 0x6F ? 8 : 2
            var value: UInt64 = 0
            var j = 2
            var previousWasDigit = false
            while j < n {
                let b = t[j]
                if b == underscore {
                    guard previousWasDigit && j + 1 < n else {
                        throw badNumber(t, start: start, "an underscore must sit between two digits")
                    }
                    previousWasDigit = false
                    j += 1
                    continue
                }
                let d: UInt64
                if isDigit(b) { d = UInt64(b - digit0) } else if isHexDigit(b) { d = UInt64((b | 0x20) - 0x61 + 10) } else { d = 99 }
                guard d < radix else {
                    let name = radix == 16 ? "hexadecimal (lower-case 0x, digits 0-9 a-f A-F)" : radix == 8 ? "octal (digits 0-7)" : "binary (digits 0 and 1)"
                    throw badNumber(t, start: start, "invalid digit for \(name)")
                }
                let (m, o1) = value.multipliedReportingOverflow(by: radix)
                let (s, o2) = m.addingReportingOverflow(d)
                guard !o1 && !o2 && s <= UInt64(Int64.max) else {
                    throw badNumber(t, start: start, "does not fit in a 64-bit signed integer")
                }
                value = s
                previousWasDigit = true
                j += 1
            }
            guard previousWasDigit else { throw badNumber(t, start: start, "expected digits after the prefix") }
            return .integer(Int64(value))
        }

        // Decimal integer part.
        if t[i] == digit0 && i + 1 < n && (isDigit(t[i + 1]) || t[i + 1] == underscore) {
            throw badNumber(t, start: start, "leading zeros are not allowed")
        }
        var mantissa: UInt64 = 0
        var overflow = false
        var exponent10 = 0   // applied to the mantissa for the float fast path
        var j = i
        try scanDigits(t, &j, start: start) { d in
            if mantissa <= (UInt64.max - 9) / 10 {
                mantissa = mantissa * 10 + UInt64(d)
            } else {
                overflow = true
                exponent10 += 1
            }
        }
        var isFloat = false
        if j < n && t[j] == dot {
            isFloat = true
            j += 1
            guard j < n && isDigit(t[j]) else {
                throw badNumber(t, start: start, "a decimal point must be followed by digits")
            }
            try scanDigits(t, &j, start: start) { d in
                if mantissa <= (UInt64.max - 9) / 10 {
                    mantissa = mantissa * 10 + UInt64(d)
                    exponent10 -= 1
                } else {
                    overflow = true
                }
            }
        }
        if j < n && (t[j] == 0x65 || t[j] == 0x45) { // e E
            isFloat = true
            j += 1
            var expNegative = false
            if j < n && (t[j] == plus || t[j] == minus) {
                expNegative = t[j] == minus
                j += 1
            }
            guard j < n && isDigit(t[j]) else {
                throw badNumber(t, start: start, "an exponent must be followed by digits")
            }
            var e = 0
            try scanDigits(t, &j, start: start) { d in
                if e < 100_000 { e = e * 10 + Int(d) }
            }
            exponent10 += expNegative ? -e : e
        }
        guard j == n else {
            throw badNumber(t, start: start, t[j] == dot && isFloat ? "unexpected '.'" : "unexpected '\(String(UnicodeScalar(t[j])))'")
        }

        if !isFloat {
            guard !overflow else { throw badNumber(t, start: start, "does not fit in a 64-bit signed integer") }
            if negative {
                guard mantissa <= UInt64(Int64.max) + 1 else {
                    throw badNumber(t, start: start, "does not fit in a 64-bit signed integer")
                }
                return .integer(mantissa == UInt64(Int64.max) + 1 ? Int64.min : -Int64(mantissa))
            }
            guard mantissa <= UInt64(Int64.max) else {
                throw badNumber(t, start: start, "does not fit in a 64-bit signed integer")
            }
            return .integer(Int64(mantissa))
        }

        // Exact fast path (Clinger): the mantissa and a power of ten both exact in a double.
        var d: Double
        if !overflow && mantissa < (1 << 53) && exponent10 >= -22 && exponent10 <= 22 {
            d = Double(mantissa)
            if exponent10 < 0 { d /= powersOfTen[-exponent10] } else { d *= powersOfTen[exponent10] }
        } else {
            var ascii: [UInt8] = []
            ascii.reserveCapacity(n)
            for b in t where b != underscore { ascii.append(b) }
            guard let parsed = Double(String(decoding: ascii, as: UTF8.self)) else {
                throw badNumber(t, start: start, "not a valid float")
            }
            d = parsed.magnitude
        }
        guard d.isFinite else { throw badNumber(t, start: start, "too large for a 64-bit float") }
        return .float(negative ? -d : d)
    }

    /// Digits with single underscores between them; `j` is at a digit on entry.
    mutating func scanDigits(_ t: UnsafeBufferPointer<UInt8>, _ j: inout Int, start: Int, _ body: (UInt8) -> Void) throws(ConfigError) {
        let n = t.count
        while j < n {
            let b = t[j]
            if isDigit(b) {
                body(b - digit0)
                j += 1
            } else if b == underscore {
                guard j + 1 < n && isDigit(t[j + 1]) && j > 0 && isDigit(t[j - 1]) else {
                    throw badNumber(t, start: start, "an underscore must sit between two digits")
                }
                j += 1
            } else {
                return
            }
        }
    }

    // MARK: Dates and times

    mutating func digits(_ count: Int) -> Int? {
        var v = 0
        for i in 0..<count {
            let b = peek(i)
            guard pos + i < end && isDigit(b) else { return nil }
            v = v * 10 + Int(b - digit0)
        }
        pos += count
        return v
    }

    @inline(never) mutating func parseDateTime() throws(ConfigError) -> Value {
        let m = mark()
        let start = pos
        var dt = DateTime(kind: .localTime)
        if peek(2) == colon {
            try parseTime(into: &dt, start: start)
        } else {
            guard let year = digits(4), peek() == minus else { throw badDate(start) }
            pos += 1
            guard let month = digits(2), peek() == minus else { throw badDate(start) }
            pos += 1
            guard let day = digits(2) else { throw badDate(start) }
            guard DateTime.isValidDate(year: year, month: month, day: day) else {
                let why = (1...12).contains(month) ? "day \(day) does not exist in that month" : "month must be 01 to 12"
                throw fail("invalid date '\(text(start, pos))': \(why)", at: start)
            }
            dt.year = year; dt.month = month; dt.day = day
            dt.kind = .localDate
            let c = peek()
            if c == 0x54 || c == 0x74 || (c == space && isDigit(peek(1)) && isDigit(peek(2)) && peek(3) == colon) {
                pos += 1
                try parseTime(into: &dt, start: start)
                dt.kind = .localDateTime
                let z = peek()
                if z == 0x5A || z == 0x7A { // Z z
                    pos += 1
                    dt.kind = .offsetDateTime
                } else if z == plus || z == minus {
                    pos += 1
                    guard let h = digits(2), peek() == colon else { throw badDate(start, "offset must be Z or ±HH:MM") }
                    pos += 1
                    guard let mm = digits(2) else { throw badDate(start, "offset must be Z or ±HH:MM") }
                    guard h <= 23 && mm <= 59 else { throw badDate(start, "offset out of range") }
                    dt.offsetMinutes = (h * 60 + mm) * (z == minus ? -1 : 1)
                    dt.kind = .offsetDateTime
                }
            }
        }
        if pos < end && isTokenByte(bytes[pos]) {
            throw badDate(start, "unexpected \(describe(at: pos))")
        }
        return .dateTime(dt, origin: origin(m))
    }

    mutating func parseTime(into dt: inout DateTime, start: Int) throws(ConfigError) {
        guard let hour = digits(2), peek() == colon else { throw badDate(start) }
        pos += 1
        guard let minute = digits(2) else { throw badDate(start) }
        guard peek() == colon else { throw badDate(start, "seconds are required in TOML 1.0 (HH:MM:SS)") }
        pos += 1
        guard let second = digits(2) else { throw badDate(start) }
        guard hour <= 23 else { throw badDate(start, "hour must be 00 to 23") }
        guard minute <= 59 else { throw badDate(start, "minute must be 00 to 59") }
        guard second <= 60 else { throw badDate(start, "second must be 00 to 60") }
        dt.hour = hour; dt.minute = minute; dt.second = second
        if peek() == dot {
            pos += 1
            guard pos < end && isDigit(peek()) else { throw badDate(start, "a decimal point must be followed by digits") }
            var nanos = 0, count = 0
            while pos < end && isDigit(bytes[pos]) {
                if count < 9 { nanos = nanos * 10 + Int(bytes[pos] - digit0); count += 1 }
                pos += 1
            }
            for _ in count..<9 { nanos *= 10 }
            dt.nanosecond = nanos
            dt.fractionDigits = count
        }
    }

    @inline(never) mutating func badDate(_ start: Int, _ why: String? = nil) -> ConfigError {
        var e = pos
        while e < end && (isTokenByte(bytes[e])) { e += 1 }
        let shown = text(start, max(e, min(start + 1, end)))
        let reason = why ?? "expected YYYY-MM-DD, HH:MM:SS, or both joined by 'T' or a space"
        return fail("invalid date or time '\(shown)': \(reason)", at: start)
    }
}

private let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

/// Checks the whole input before parsing: valid UTF-8, and no control characters other than
/// tab, line feed and a carriage return that starts a CRLF. TOML forbids them everywhere
/// (strings must escape them), so the parser itself never sees one.
/// Returns the first bad byte and what is wrong with it, and where the first non-ASCII byte
/// is (`Int.max` when there is none), which makes column numbers cheap before it.
func tomlCheckBytes(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> (invalid: (offset: Int, message: String)?, firstNonASCII: Int) {
    let n = p.count
    var i = start
    var firstNonASCII = Int.max
    let base = UnsafeRawPointer(p.baseAddress)
    while i < n {
        // Eight bytes at a time while they are all allowed ASCII: printable, tab or line feed.
        // With no high bit set, adding a constant to each byte cannot carry into the next, so
        // each test below is exact per byte and lands in that byte's high bit.
        if let base, i + 8 <= n {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let ones: UInt64 = 0x0101_0101_0101_0101, highs = 0x80 &* ones
            if w & highs == 0 {
                let printable = (w &+ 0x60 &* ones) & ~(w &+ ones) & highs   // 0x20...0x7E
                let notLF = ((w ^ (0x0A &* ones)) &+ 0x7F &* ones) & highs
                let notTab = ((w ^ (0x09 &* ones)) &+ 0x7F &* ones) & highs
                if ~printable & notLF & notTab & highs == 0 {
                    i &+= 8
                    continue
                }
            }
        }
        let b = p[i]
        if b < 0x80 {
            if (b >= 0x20 && b != 0x7F) || b == tab || b == lf {
                i &+= 1
                continue
            }
            if b == cr {
                if i + 1 < n && p[i + 1] == lf { i &+= 2; continue }
                return ((i, "a carriage return must be followed by a line feed"), firstNonASCII)
            }
            let hex = String(b, radix: 16, uppercase: true)
            let code = "U+" + String(repeating: "0", count: 4 - hex.count) + hex
            return ((i, "control character \(code) is not allowed in TOML (in a basic string, write it as an escape such as \\u\(code.dropFirst(2)))"), firstNonASCII)
        }
        if firstNonASCII == Int.max { firstNonASCII = i }
        switch utf8Sequence(p, at: i, end: n) {
        case let .valid(length): i += length
        case .badLead: return ((i, "invalid UTF-8 (byte 0x\(String(b, radix: 16, uppercase: true)))"), firstNonASCII)
        case .truncated: return ((i, "invalid UTF-8: truncated multi-byte sequence"), firstNonASCII)
        case .malformed: return ((i, "invalid UTF-8 sequence"), firstNonASCII)
        }
    }
    return (nil, firstNonASCII)
}
