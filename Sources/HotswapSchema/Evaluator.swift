import HotswapCore

/// What a subschema evaluated, for `unevaluatedProperties`/`unevaluatedItems`: which members
/// of the object (by position) and which items of the array.
struct Annotations {
    var props: [Bool] = []
    var allProps = false
    var itemsAll = false
    var prefix = 0
    var containsHits: [Bool] = []

    mutating func markProp(_ i: Int, of count: Int) {
        if allProps { return }
        if props.isEmpty { props = [Bool](repeating: false, count: count) }
        props[i] = true
    }

    func isPropEvaluated(_ i: Int) -> Bool { allProps || (i < props.count && props[i]) }

    func isItemEvaluated(_ i: Int) -> Bool {
        itemsAll || i < prefix || (i < containsHits.count && containsHits[i])
    }

    mutating func merge(_ o: Annotations) {
        if o.allProps { allProps = true; props = [] } else if !allProps && !o.props.isEmpty {
            if props.isEmpty { props = o.props } else { for i in o.props.indices where o.props[i] { props[i] = true } }
        }
        itemsAll = itemsAll || o.itemsAll
        prefix = max(prefix, o.prefix)
        if !o.containsHits.isEmpty {
            if containsHits.isEmpty { containsHits = o.containsHits } else {
                for i in o.containsHits.indices where o.containsHits[i] { containsHits[i] = true }
            }
        }
    }
}

/// One step of an instance path; indices stay integers until a message needs them.
enum PathElement {
    case key(String)
    case index(Int)

    var token: String {
        switch self {
        case let .key(k): return k
        case let .index(i): return String(i)
        }
    }
}

/// Runs one validation. In `report` mode it collects every violation with a message; in
/// quiet mode (used for `isValid` and inside `anyOf`, `not`, `if`, `contains`) it stops at the
/// first failure and builds no messages.
struct Evaluator {
    let schema: Schema
    var report: Bool
    var violations: [SchemaViolation] = []

    private var path: [PathElement] = []
    /// Dynamic scope: the schema resources entered, outermost first, for `$dynamicRef`.
    private var scope: [Int] = []
    /// Nodes applied to the current instance, innermost last; a node that appears twice
    /// between two steps into the instance is an infinite loop.
    private var active: [Int] = []
    private var frameStart = 0
    private var depth = 0
    private var budget: Int
    private var aborted: Abort?
    private var secretLevel = 0
    private var regexScratch = RegexScratch()

    private enum Abort { case work, depth, loop(Int) }

    init(schema: Schema, report: Bool) {
        self.schema = schema
        self.report = report
        budget = schema.options.maxSteps
    }

    /// Validates `inst` against node `n`; reports a violation when the work or depth bound
    /// stopped it.
    mutating func run(_ n: Int, _ inst: Value) -> Bool {
        if Self.nestingExceeds(inst, schema.options.maxDepth) {
            if report {
                violations.append(SchemaViolation(path: .root, schemaLocation: location(schema.nodes[n], ""), keyword: "limit",
                                                  message: "the document is nested more than \(schema.options.maxDepth) levels deep; it was not validated",
                                                  origin: inst.origin))
            }
            return false
        }
        var none: Annotations? = nil
        let ok = eval(n, inst, &none)
        guard let a = aborted else { return ok }
        if report {
            let message: String
            var node = schema.nodes[n]
            switch a {
            case .work:
                message = "validation stopped after \(schema.options.maxSteps) steps without finishing; the schema and document need more work than the limit allows (a pathological pattern or a huge document?)"
            case .depth:
                message = "validation stopped: subschemas nested more than \(schema.options.maxDepth) levels deep (a recursive $ref applied to a deeply nested document?)"
            case let .loop(m):
                node = schema.nodes[m]
                message = "validation stopped: the schema at \(location(node, "")) applies itself to the same value forever (a $dynamicRef cycle)"
            }
            violations.append(SchemaViolation(path: .root, schemaLocation: location(node, ""), keyword: "limit", message: message, origin: inst.origin))
        }
        return false
    }

    /// Whether some array or object in `v` is nested deeper than `limit`. The recursion
    /// stops at `limit`, so it is itself bounded; everything after this check may recurse
    /// over the document safely.
    static func nestingExceeds(_ v: Value, _ limit: Int) -> Bool {
        switch v.kind {
        case let .array(a):
            if limit <= 0 { return true }
            for x in a where isContainer(x) && nestingExceeds(x, limit - 1) { return true }
        case let .object(o):
            if limit <= 0 { return true }
            for x in o.values where isContainer(x) && nestingExceeds(x, limit - 1) { return true }
        default:
            break
        }
        return false
    }

    private static func isContainer(_ v: Value) -> Bool {
        switch v.kind {
        case .array, .object: return true
        default: return false
        }
    }

    // MARK: nodes

    mutating func eval(_ n: Int, _ inst: Value, _ ann: inout Annotations?) -> Bool {
        if aborted != nil { return false }
        let node = schema.nodes[n]
        if let c = node.constant {
            if !c { fail(node, "", "no value is allowed here (the schema is `false`)", inst) }
            return c
        }
        budget -= 1
        if budget < 0 { aborted = .work; return false }
        if depth >= schema.options.maxDepth { aborted = .depth; return false }
        var k = frameStart
        while k < active.count {
            if active[k] == n { aborted = .loop(n); return false }
            k += 1
        }
        depth += 1
        active.append(n)
        let pushed = scope.last != node.resource
        if pushed { scope.append(node.resource) }
        if node.isSecret { secretLevel += 1 }
        defer {
            depth -= 1
            active.removeLast()
            if pushed { scope.removeLast() }
            if node.isSecret { secretLevel -= 1 }
        }
        if node.hasUnevaluated {
            var mine: Annotations? = Annotations()
            let ok = keywords(node, inst, &mine)
            if ann != nil, let m = mine { ann!.merge(m) }
            return ok
        }
        return keywords(node, inst, &ann)
    }

    private mutating func keywords(_ node: CompiledNode, _ inst: Value, _ ann: inout Annotations?) -> Bool {
        var valid = true
        for kw in node.keywords {
            if !keyword(kw, node, inst, &ann) {
                valid = false
                if !report || aborted != nil { return false }
            }
        }
        return valid
    }

    private mutating func keyword(_ kw: Keyword, _ node: CompiledNode, _ inst: Value, _ ann: inout Annotations?) -> Bool {
        switch kw {
        case let .type(ts):
            if ts.contains(TypeSet(of: inst)) { return true }
            if report {
                fail(node, "type", "must be \(ts.phrase), not \(describe(inst))", inst)
            }
            return false
        case let .enumeration(set):
            if set.contains(inst) { return true }
            if report { fail(node, "enum", enumMessage(set.values, inst), inst) }
            return false
        case let .const(c):
            if JSONEquality.equal(c, inst) { return true }
            if report { fail(node, "const", "must be exactly \(Self.show(c)), not \(describe(inst))", inst) }
            return false
        case .minimum, .maximum, .exclusiveMinimum, .exclusiveMaximum, .multipleOf:
            return numeric(kw, node, inst)
        case .minLength, .maxLength, .pattern, .format:
            return string(kw, node, inst)
        case .members, .required, .propertyNames, .minProperties, .maxProperties, .dependentRequired, .dependentSchemas,
             .unevaluatedProperties:
            guard case let .object(o) = inst.kind else { return true }
            return object(kw, node, inst, o, &ann)
        case .items, .contains, .minItems, .maxItems, .uniqueItems, .unevaluatedItems:
            guard case let .array(a) = inst.kind else { return true }
            return array(kw, node, inst, a, &ann)
        case .allOf, .anyOf, .oneOf, .not, .conditional:
            return combinator(kw, node, inst, &ann)
        case let .ref(t):
            return eval(t, inst, &ann)
        case let .dynamicRef(target, anchor):
            var t = target
            if let anchor {
                for r in scope {
                    if let found = schema.resources[r].dynamicAnchors[anchor] { t = found; break }
                }
            }
            return eval(t, inst, &ann)
        }
    }

    // MARK: scalars

    private mutating func numeric(_ kw: Keyword, _ node: CompiledNode, _ inst: Value) -> Bool {
        guard let x = Number(inst) else { return true }
        switch kw {
        case let .minimum(m):
            if let c = Number.compare(x, m), c >= 0 { return true }
            if report {
                fail(node, "minimum", "must be at least \(m), not \(describe(inst))", inst)
            }
        case let .maximum(m):
            if let c = Number.compare(x, m), c <= 0 { return true }
            if report {
                fail(node, "maximum", "must be at most \(m), not \(describe(inst))", inst)
            }
        case let .exclusiveMinimum(m):
            if let c = Number.compare(x, m), c > 0 { return true }
            if report {
                fail(node, "exclusiveMinimum", "must be greater than \(m), not \(describe(inst))", inst)
            }
        case let .exclusiveMaximum(m):
            if let c = Number.compare(x, m), c < 0 { return true }
            if report {
                fail(node, "exclusiveMaximum", "must be less than \(m), not \(describe(inst))", inst)
            }
        case let .multipleOf(m):
            if x.isMultiple(of: m) { return true }
            if report {
                fail(node, "multipleOf", "must be a multiple of \(m), not \(describe(inst))", inst)
            }
        default:
            return true
        }
        return false
    }

    private mutating func string(_ kw: Keyword, _ node: CompiledNode, _ inst: Value) -> Bool {
        let s: String
        switch inst.kind {
        case let .string(x): s = x
        case let .dateTime(d): s = d.description
        default: return true
        }
        switch kw {
        case let .minLength(n):
            // A code point is 1 to 4 UTF-8 bytes: often the byte count decides.
            let bytes = s.utf8.count
            if bytes >= 4 * n { return true }
            let len = s.unicodeScalars.count
            if len >= n { return true }
            if report {
                fail(node, "minLength", "must be at least \(n) character\(n == 1 ? "" : "s") long, not \(len)", inst)
            }
        case let .maxLength(n):
            let bytes = s.utf8.count
            if bytes <= n { return true }
            budget -= bytes / 64
            let len = s.unicodeScalars.count
            if len <= n { return true }
            if report {
                fail(node, "maxLength", "must be at most \(n) character\(n == 1 ? "" : "s") long, not \(len)", inst)
            }
        case let .pattern(re):
            guard let hit = re.matches(s, budget: &budget, scratch: &regexScratch) else { aborted = .work; return false }
            if hit { return true }
            if report {
                fail(node, "pattern", "must match the pattern /\(re.source)/, but \(secretLevel > 0 ? "the (secret) value" : Self.show(inst)) does not", inst)
            }
        case let .format(f):
            budget -= 1 + s.utf8.count / 64
            if f.check(s) { return true }
            if report {
                fail(node, "format", "must be a valid \(f.noun), not \(describe(inst))", inst)
            }
        default:
            return true
        }
        return false
    }

    // MARK: objects

    private mutating func object(_ kw: Keyword, _ node: CompiledNode, _ inst: Value, _ o: Object, _ ann: inout Annotations?) -> Bool {
        switch kw {
        case let .members(m):
            var ok = true
            let keys = o.keys, values = o.values
            for i in keys.indices {
                let key = keys[i], value = values[i]
                var matched = false
                if let c = m.properties[key] {
                    matched = true
                    if schema.nodes[c].constant == false {
                        ok = false
                        if !report { return false }
                        fail(node, "properties/" + Self.escape(key), "`\(key)` is not allowed here", value, at: .key(key))
                    } else if !child(.key(key), c, value) {
                        ok = false
                        if !report || aborted != nil { return false }
                    }
                }
                for (re, c) in m.patterns {
                    guard let hit = re.matches(key, budget: &budget, scratch: &regexScratch) else { aborted = .work; return false }
                    guard hit else { continue }
                    matched = true
                    if !child(.key(key), c, value) {
                        ok = false
                        if !report || aborted != nil { return false }
                    }
                }
                if !matched, let a = m.additional {
                    matched = true
                    if schema.nodes[a].constant == false {
                        ok = false
                        if !report { return false }
                        fail(node, "additionalProperties", unknownKeyMessage(key, node), value, at: .key(key))
                    } else if !child(.key(key), a, value) {
                        ok = false
                        if !report || aborted != nil { return false }
                    }
                }
                if matched, ann != nil { ann!.markProp(i, of: o.count) }
            }
            return ok
        case let .required(names):
            var ok = true
            for name in names where !o.contains(name) {
                ok = false
                if !report { return false }
                fail(node, "required", "is required but missing", inst, at: .key(name))
            }
            return ok
        case let .propertyNames(c):
            var ok = true
            let keys = o.keys, values = o.values
            for i in keys.indices {
                let key = keys[i], value = values[i]
                let start = violations.count
                if !child(.key(key), c, Value(.string(key), origin: value.origin)) {
                    ok = false
                    if !report || aborted != nil { return false }
                    for k in start..<violations.count { violations[k].message = "the key name " + violations[k].message }
                }
            }
            return ok
        case let .minProperties(n):
            if o.count >= n { return true }
            if report {
                fail(node, "minProperties", "must have at least \(n) key\(n == 1 ? "" : "s"), not \(o.count)", inst)
            }
            return false
        case let .maxProperties(n):
            if o.count <= n { return true }
            if report {
                fail(node, "maxProperties", "must have at most \(n) key\(n == 1 ? "" : "s"), not \(o.count)", inst)
            }
            return false
        case let .dependentRequired(deps):
            var ok = true
            for (trigger, names) in deps where o.contains(trigger) {
                for name in names where !o.contains(name) {
                    ok = false
                    if !report { return false }
                    fail(node, "dependentRequired/" + Self.escape(trigger), "is required when `\(trigger)` is present", inst, at: .key(name))
                }
            }
            return ok
        case let .dependentSchemas(deps):
            var ok = true
            for (trigger, c) in deps where o.contains(trigger) {
                if !eval(c, inst, &ann) {
                    ok = false
                    if !report || aborted != nil { return false }
                }
            }
            return ok
        case let .unevaluatedProperties(c):
            var ok = true
            let isFalse = schema.nodes[c].constant == false
            let keys = o.keys, values = o.values
            for i in keys.indices where !(ann?.isPropEvaluated(i) ?? false) {
                let key = keys[i], value = values[i]
                if isFalse {
                    ok = false
                    if !report { return false }
                    fail(node, "unevaluatedProperties", unknownKeyMessage(key, node), value, at: .key(key))
                } else if !child(.key(key), c, value) {
                    ok = false
                    if !report || aborted != nil { return false }
                }
            }
            if ann != nil { ann!.allProps = true; ann!.props = [] }
            return ok
        default:
            return true
        }
    }

    // MARK: arrays

    private mutating func array(_ kw: Keyword, _ node: CompiledNode, _ inst: Value, _ a: [Value], _ ann: inout Annotations?) -> Bool {
        switch kw {
        case let .items(prefix, rest):
            var ok = true
            for (i, x) in a.enumerated() {
                let c: Int
                if i < prefix.count { c = prefix[i] } else if let rest { c = rest } else { break }
                if schema.nodes[c].constant == false {
                    ok = false
                    if !report { return false }
                    let what = i < prefix.count ? "an item is not allowed at position \(i)" :
                        "at most \(prefix.count) item\(prefix.count == 1 ? " is" : "s are") allowed"
                    if report {
                        fail(node, i < prefix.count ? "prefixItems/\(i)" : "items", what, x, at: .index(i))
                    }
                } else if !child(.index(i), c, x) {
                    ok = false
                    if !report || aborted != nil { return false }
                }
            }
            if ann != nil {
                ann!.prefix = max(ann!.prefix, min(prefix.count, a.count))
                if rest != nil { ann!.itemsAll = true }
            }
            return ok
        case let .contains(c, lo, hi):
            var hits = ann != nil ? [Bool](repeating: false, count: a.count) : []
            var matches = 0
            let saved = report
            report = false
            for (i, x) in a.enumerated() {
                if child(.index(i), c, x) {
                    matches += 1
                    if ann != nil { hits[i] = true } else if hi == nil && matches >= lo { break }
                }
                if aborted != nil { break }
            }
            report = saved
            if aborted != nil { return false }
            if ann != nil { ann!.merge(Annotations(containsHits: hits)) }
            if matches < lo {
                if report {
                    fail(node, lo == 1 ? "contains" : "minContains",
                         "must contain at least \(lo) item\(lo == 1 ? "" : "s") matching the `contains` schema, but has \(matches)", inst)
                }
                return false
            }
            if let hi, matches > hi {
                if report {
                    fail(node, "maxContains", "must contain at most \(hi) item\(hi == 1 ? "" : "s") matching the `contains` schema, but has \(matches)", inst)
                }
                return false
            }
            return true
        case let .minItems(n):
            if a.count >= n { return true }
            if report {
                fail(node, "minItems", "must have at least \(n) item\(n == 1 ? "" : "s"), not \(a.count)", inst)
            }
            return false
        case let .maxItems(n):
            if a.count <= n { return true }
            if report {
                fail(node, "maxItems", "must have at most \(n) item\(n == 1 ? "" : "s"), not \(a.count)", inst)
            }
            return false
        case .uniqueItems:
            budget -= a.count
            var seen: [Int: [Int]] = [:]
            var ok = true
            for (i, x) in a.enumerated() {
                let h = JSONEquality.hashValue(x)
                if let j = seen[h]?.first(where: { JSONEquality.equal(a[$0], x) }) {
                    ok = false
                    if !report { return false }
                    fail(node, "uniqueItems", "items \(j) and \(i) are equal; every item must be unique", inst)
                } else {
                    seen[h, default: []].append(i)
                }
            }
            return ok
        case let .unevaluatedItems(c):
            var ok = true
            let isFalse = schema.nodes[c].constant == false
            for (i, x) in a.enumerated() where !(ann?.isItemEvaluated(i) ?? false) {
                if isFalse {
                    ok = false
                    if !report { return false }
                    fail(node, "unevaluatedItems", "unexpected item at position \(i): no schema here allows it", x, at: .index(i))
                } else if !child(.index(i), c, x) {
                    ok = false
                    if !report || aborted != nil { return false }
                }
            }
            if ann != nil { ann!.itemsAll = true }
            return ok
        default:
            return true
        }
    }

    // MARK: combinators

    private mutating func combinator(_ kw: Keyword, _ node: CompiledNode, _ inst: Value, _ ann: inout Annotations?) -> Bool {
        switch kw {
        case let .allOf(xs):
            var ok = true
            for x in xs where !eval(x, inst, &ann) {
                ok = false
                if !report || aborted != nil { return false }
            }
            return ok
        case let .anyOf(xs):
            var any = false
            let saved = report
            report = false
            for x in xs {
                var a: Annotations? = ann != nil ? Annotations() : nil
                if eval(x, inst, &a) {
                    any = true
                    if let a { ann!.merge(a) } else { break }
                }
                if aborted != nil { break }
            }
            report = saved
            if any { return true }
            if report && aborted == nil {
                fail(node, "anyOf", "matches none of the \(xs.count) alternatives", inst, causes: causes(xs, inst))
            }
            return false
        case let .oneOf(xs):
            var matched: [Int] = []
            var kept: Annotations? = nil
            let saved = report
            report = false
            for (k, x) in xs.enumerated() {
                var a: Annotations? = ann != nil ? Annotations() : nil
                if eval(x, inst, &a) {
                    matched.append(k)
                    if matched.count == 1 { kept = a } else { break }
                }
                if aborted != nil { break }
            }
            report = saved
            if matched.count == 1 {
                if let kept { ann!.merge(kept) }
                return true
            }
            if report && aborted == nil {
                if matched.isEmpty {
                    if report {
                        fail(node, "oneOf", "matches none of the \(xs.count) alternatives (exactly one must match)", inst, causes: causes(xs, inst))
                    }
                } else {
                    if report {
                        fail(node, "oneOf", "matches more than one alternative (#\(matched[0] + 1) and #\(matched[1] + 1)); exactly one must match", inst)
                    }
                }
            }
            return false
        case let .not(x):
            let saved = report
            report = false
            var none: Annotations? = nil
            let matched = eval(x, inst, &none)
            report = saved
            if aborted != nil { return false }
            if !matched { return true }
            if report {
                fail(node, "not", "must not match the schema in `not`", inst)
            }
            return false
        case let .conditional(i, t, e):
            var a: Annotations? = ann != nil ? Annotations() : nil
            let saved = report
            report = false
            let holds = eval(i, inst, &a)
            report = saved
            if aborted != nil { return false }
            if holds {
                if let a { ann!.merge(a) }
                if let t { return eval(t, inst, &ann) }
            } else if let e {
                return eval(e, inst, &ann)
            }
            return true
        default:
            return true
        }
    }

    /// Why each alternative of an `anyOf`/`oneOf` failed: re-evaluated in report mode, which
    /// costs nothing on the success path.
    private mutating func causes(_ xs: [Int], _ inst: Value) -> [SchemaViolation] {
        var out: [SchemaViolation] = []
        for (k, x) in xs.enumerated() {
            let start = violations.count
            var none: Annotations? = nil
            _ = eval(x, inst, &none)
            for var v in violations[start...] {
                v.message = "alternative #\(k + 1): " + v.message
                out.append(v)
            }
            violations.removeSubrange(start...)
            if aborted != nil { break }
        }
        return out
    }

    // MARK: helpers

    /// Evaluates a member or item: one step deeper in the instance.
    private mutating func child(_ el: PathElement, _ n: Int, _ v: Value) -> Bool {
        path.append(el)
        let saved = frameStart
        frameStart = active.count
        var none: Annotations? = nil
        let ok = eval(n, v, &none)
        frameStart = saved
        path.removeLast()
        return ok
    }

    /// Records a violation; callers check `report` first so that quiet evaluation never
    /// builds a message.
    private mutating func fail(_ node: CompiledNode, _ keyword: String, _ message: String, _ inst: Value,
                               at extra: PathElement? = nil, causes: [SchemaViolation] = [])
    {
        guard report else { return }
        var tokens = path.map(\.token)
        if let extra { tokens.append(extra.token) }
        let kw = keyword.split(separator: "/").first.map(String.init) ?? keyword
        violations.append(SchemaViolation(path: ConfigPath(tokens: tokens), schemaLocation: location(node, keyword),
                                          schemaOrigin: schemaOrigin(node, keyword), keyword: kw.isEmpty ? "false" : kw,
                                          message: message, origin: inst.origin, causes: causes))
    }

    private func location(_ node: CompiledNode, _ keyword: String) -> String {
        schema.documents[node.doc].displayName + "#" + node.pointer + (keyword.isEmpty ? "" : "/" + keyword)
    }

    private func schemaOrigin(_ node: CompiledNode, _ keyword: String) -> Origin? {
        guard var v = Optional(schema.documents[node.doc].value),
              let tokens = try? ConfigPath(pointer: node.pointer).tokens else { return nil }
        var origin = v.origin
        for t in tokens + keyword.split(separator: "/").map({ (ConfigPath.unescape(String($0))) }) {
            guard let next = v[t] ?? ConfigPath.arrayIndex(t).flatMap({ v[$0] }) else { break }
            v = next
            origin = v.origin ?? origin
        }
        return origin
    }

    static func escape(_ key: String) -> String {
        String(ConfigPath(tokens: [key]).pointer.dropFirst())
    }

    private func unknownKeyMessage(_ key: String, _ node: CompiledNode) -> String {
        var m = "unknown key `\(key)`"
        if let s = Suggest.closest(to: key, among: knownKeys(node)) { m += "; did you mean `\(s)`?" }
        return m
    }

    /// The property names a schema knows about: its own and those of the subschemas it
    /// applies in place, for suggestions.
    private func knownKeys(_ node: CompiledNode) -> [String] {
        var out: [String] = []
        var seen: Set<Int> = []
        var stack: [CompiledNode] = [node]
        while let n = stack.popLast(), out.count < 10_000 {
            out += n.knownKeys
            for kw in n.keywords {
                var next: [Int] = []
                switch kw {
                case let .ref(t), let .dynamicRef(t, _): next = [t]
                case let .allOf(xs), let .anyOf(xs), let .oneOf(xs): next = xs
                case let .conditional(_, t, e): next = [t, e].compactMap { $0 }
                case let .dependentSchemas(ds): next = ds.map(\.1)
                default: break
                }
                for x in next where seen.insert(x).inserted { stack.append(schema.nodes[x]) }
            }
        }
        return out
    }

    private func enumMessage(_ values: [Value], _ inst: Value) -> String {
        let shown = values.prefix(10).map(Self.show).joined(separator: ", ")
        var m = values.count == 1 ? "must be \(shown)" :
            values.count <= 10 ? "must be one of \(shown)" : "must be one of the \(values.count) allowed values (\(shown), …)"
        m += ", not \(describe(inst))"
        if secretLevel == 0, case let .string(s) = inst.kind,
           let hint = Suggest.closest(to: s, among: values.lazy.compactMap(\.stringValue).prefix(10_000)) {
            m += "; did you mean \"\(hint)\"?"
        }
        return m
    }

    /// The offending value for a message, unless it is secret.
    private func describe(_ v: Value) -> String {
        if secretLevel > 0 {
            return "\(TypeSet(of: v).phrase) (secret value not shown)"
        }
        switch v.kind {
        case .null: return "null"
        case .bool: return "\(v) (a boolean)"
        case .integer, .float: return "\(Self.show(v)) (a number)"
        case .string, .dateTime: return "\(Self.show(v)) (a string)"
        case let .array(a): return "an array of \(a.count) item\(a.count == 1 ? "" : "s")"
        case let .object(o): return "an object with \(o.count) key\(o.count == 1 ? "" : "s")"
        }
    }

    /// A short rendering of a schema or instance value.
    static func show(_ v: Value) -> String {
        switch v.kind {
        case let .string(s):
            let cut = s.unicodeScalars.count > 60 ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(60))) + "…" : s
            return "\"" + cut + "\""
        case let .dateTime(d): return "\"\(d)\""
        case let .float(d): return formatDouble(d)
        case let .array(a): return a.count <= 5 ? v.description : "[… \(a.count) items]"
        case let .object(o): return o.count <= 5 ? v.description : "{… \(o.count) keys}"
        default: return v.description
        }
    }
}

extension ConfigPath {
    /// Decodes one RFC 6901 token (`~1` → `/`, `~0` → `~`).
    static func unescape(_ token: String) -> String {
        guard token.contains("~") else { return token }
        return (try? ConfigPath(pointer: "/" + token).tokens.first) ?? token
    }
}
