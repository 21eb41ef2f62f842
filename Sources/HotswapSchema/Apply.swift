import HotswapCore

extension Schema {
    /// Prepares a merged configuration document for publication: coerces string-sourced
    /// values, fills in defaults, validates the result and lists the secret paths.
    ///
    /// - Coercion: a string value for which `coercible` returns true (by default, values from
    ///   the environment or a runtime override) is converted when the schema at its location
    ///   admits no string but admits exactly the type the text spells: `"8080"` → 8080 for
    ///   `integer`/`number`, `"1.5"` → 1.5 for `number`, `"true"`/`"false"` → a boolean,
    ///   `"null"` → null. The origin is kept. Values from typed formats are never touched, so
    ///   `port: "8080"` in a YAML file stays a string and is reported.
    /// - Defaults: a missing property whose schema (directly, or through `$ref`/`allOf`) has a
    ///   `default` gets it, recursively; an absent object whose schema is `type: object` and
    ///   whose properties have defaults is created so that nested defaults appear too (only
    ///   when that satisfies its `required`). Conditional subschemas contribute defaults when
    ///   their condition holds (`if`/`then`/`else`, `dependentSchemas`); `anyOf`/`oneOf`
    ///   branches never do, since which one applies is ambiguous.
    /// - Secrets: every present value whose schema, or any subschema applying to it, says
    ///   `writeOnly: true` or `x-secret: true`.
    public func apply(to value: Value, coercible: (Value) -> Bool = Schema.isStringSourced) -> SchemaResult {
        if Evaluator.nestingExceeds(value, options.maxDepth) {
            return SchemaResult(value: value, violations: validate(value), secrets: [])
        }
        var walker = ApplyWalker(schema: self)
        var path: [String] = []
        let out = walker.walk(value, [(root, true)], path: &path, coercible: coercible) ?? value
        let secrets = walker.secrets.sorted { $0.pointer < $1.pointer }
        return SchemaResult(value: out, violations: validate(out), secrets: secrets)
    }
}

/// The coercion/default/secret pass. It follows the schema the way validation does, but it
/// only needs to know which subschemas apply at each location, so it works on sets of nodes.
private struct ApplyWalker {
    let schema: Schema
    var secrets: Set<ConfigPath> = []
    private var admittedMemo: [Int: TypeSet] = [:]

    init(schema: Schema) { self.schema = schema }

    /// `nodes` are the subschemas that apply to `v` directly, each marked `must` when it
    /// certainly applies (not only through an `anyOf`/`oneOf` branch). Returns the new value,
    /// or nil when nothing changed (the common case, which then costs no copying).
    mutating func walk(_ v: Value, _ nodes: [(Int, Bool)], path: inout [String], coercible: (Value) -> Bool) -> Value? {
        let applied = closure(nodes, v)
        if applied.contains(where: { schema.nodes[$0.0].isSecret }) { secrets.insert(ConfigPath(tokens: path)) }
        guard path.count < schema.options.maxDepth else { return nil }
        switch v.kind {
        case let .string(s) where coercible(v):
            return coerce(s, v, admitted(nodes))
        case var .object(o):
            let keys = o.keys, values = o.values
            var changed: [(Int, Value)] = []
            for i in keys.indices {
                let childNodes = memberNodes(applied, keys[i])
                if childNodes.isEmpty { continue }
                path.append(keys[i])
                if let new = walk(values[i], childNodes, path: &path, coercible: coercible) { changed.append((i, new)) }
                path.removeLast()
            }
            var modified = !changed.isEmpty
            if modified {
                var newValues = values
                for (i, new) in changed { newValues[i] = new }
                o = Object(uniqueKeys: keys, values: newValues)
            }
            for (n, must) in applied where must {
                for kw in schema.nodes[n].keywords {
                    guard case let .members(m) = kw else { continue }
                    for key in m.order where !o.contains(key) {
                        var guardSet: Set<Int> = []
                        guard let d = defaultValue(for: m.properties[key]!, visiting: &guardSet, depth: path.count) else { continue }
                        path.append(key)
                        o[key] = walk(d, memberNodes(applied, key), path: &path, coercible: coercible) ?? d
                        path.removeLast()
                        modified = true
                    }
                }
            }
            guard modified else { return nil }
            var out = v
            out.kind = .object(o)
            return out
        case var .array(a):
            var modified = false
            for i in a.indices {
                let childNodes = itemNodes(applied, i)
                if childNodes.isEmpty { continue }
                path.append(String(i))
                if let new = walk(a[i], childNodes, path: &path, coercible: coercible) {
                    a[i] = new
                    modified = true
                }
                path.removeLast()
            }
            guard modified else { return nil }
            var out = v
            out.kind = .array(a)
            return out
        default:
            return nil
        }
    }

    /// Every node applying in place at this location: the given ones plus what their
    /// `$ref`, `allOf`, `anyOf`, `oneOf`, `if`/`then`/`else` and `dependentSchemas` bring in.
    /// `if` is decided by validating the value; `anyOf`/`oneOf` branches are not `must`.
    private func closure(_ start: [(Int, Bool)], _ v: Value) -> [(Int, Bool)] {
        // Most locations have one schema that applies nothing in place.
        if start.count == 1, !schema.nodes[start[0].0].keywords.contains(where: Self.appliesInPlace) { return start }
        var out: [(Int, Bool)] = []
        var seen: [Int: Bool] = [:]
        var stack = start.reversed() as [(Int, Bool)]
        while let (n, must) = stack.popLast() {
            if let was = seen[n], was || !must { continue }
            seen[n] = must
            out.append((n, must))
            for kw in schema.nodes[n].keywords {
                switch kw {
                case let .ref(t), let .dynamicRef(t, _): stack.append((t, must))
                case let .allOf(xs): stack += xs.map { ($0, must) }
                case let .anyOf(xs), let .oneOf(xs): stack += xs.map { ($0, false) }
                case let .conditional(i, t, e):
                    var e2 = Evaluator(schema: schema, report: false)
                    if e2.run(i, v) { if let t { stack.append((t, must)) } } else if let e { stack.append((e, must)) }
                case let .dependentSchemas(ds):
                    if case let .object(o) = v.kind { for (k, c) in ds where o.contains(k) { stack.append((c, must)) } }
                default: break
                }
            }
        }
        return out
    }

    private static func appliesInPlace(_ kw: Keyword) -> Bool {
        switch kw {
        case .ref, .dynamicRef, .allOf, .anyOf, .oneOf, .conditional, .dependentSchemas: return true
        default: return false
        }
    }

    private func memberNodes(_ applied: [(Int, Bool)], _ key: String) -> [(Int, Bool)] {
        var out: [(Int, Bool)] = []
        for (n, must) in applied {
            var matched = false
            var unevaluated: Int? = nil
            for kw in schema.nodes[n].keywords {
                switch kw {
                case let .members(m):
                    if let c = m.properties[key] { out.append((c, must)); matched = true }
                    for (re, c) in m.patterns {
                        var budget = 1_000_000
                        if re.matches(key, budget: &budget) == true { out.append((c, must)); matched = true }
                    }
                    if !matched, let a = m.additional { out.append((a, must)); matched = true }
                case let .unevaluatedProperties(c): unevaluated = c
                default: break
                }
            }
            if !matched, let u = unevaluated { out.append((u, false)) }
        }
        return out
    }

    private func itemNodes(_ applied: [(Int, Bool)], _ i: Int) -> [(Int, Bool)] {
        var out: [(Int, Bool)] = []
        for (n, must) in applied {
            var matched = false
            var unevaluated: Int? = nil
            for kw in schema.nodes[n].keywords {
                switch kw {
                case let .items(prefix, rest):
                    if i < prefix.count { out.append((prefix[i], must)); matched = true } else if let rest { out.append((rest, must)); matched = true }
                case let .unevaluatedItems(c): unevaluated = c
                default: break
                }
            }
            if !matched, let u = unevaluated { out.append((u, false)) }
        }
        return out
    }

    // MARK: coercion

    /// The types a value may have at a location: what every `must` node admits, narrowed by
    /// the union of what the optional ones admit.
    private mutating func admitted(_ nodes: [(Int, Bool)]) -> TypeSet {
        var t = TypeSet.all
        var optional: TypeSet = []
        var anyOptional = false
        for (n, must) in nodes {
            var visiting: Set<Int> = []
            let a = admitted(n, &visiting)
            if must { t.formIntersection(a) } else { optional.formUnion(a); anyOptional = true }
        }
        if anyOptional { t.formIntersection(optional) }
        return t
    }

    private mutating func admitted(_ n: Int, _ visiting: inout Set<Int>) -> TypeSet {
        if let m = admittedMemo[n] { return m }
        let node = schema.nodes[n]
        if let c = node.constant { return c ? .all : [] }
        // A cycle, or a chain of references deep enough to threaten the stack, admits anything.
        guard visiting.count < 256, visiting.insert(n).inserted else { return .all }
        defer { visiting.remove(n) }
        var t = TypeSet.all
        for kw in node.keywords {
            switch kw {
            case let .type(ts): t.formIntersection(ts)
            case let .enumeration(set): t.formIntersection(set.values.reduce(into: TypeSet()) { $0.formUnion(TypeSet(of: $1)) })
            case let .const(c): t.formIntersection(TypeSet(of: c))
            case let .ref(x), let .dynamicRef(x, _): t.formIntersection(admitted(x, &visiting))
            case let .allOf(xs): for x in xs { t.formIntersection(admitted(x, &visiting)) }
            case let .anyOf(xs), let .oneOf(xs):
                var u: TypeSet = []
                for x in xs { u.formUnion(admitted(x, &visiting)) }
                t.formIntersection(u)
            case let .conditional(_, th, el):
                let a = th.map { admitted($0, &visiting) } ?? .all
                let b = el.map { admitted($0, &visiting) } ?? .all
                t.formIntersection(a.union(b))
            default: break
            }
        }
        admittedMemo[n] = t
        return t
    }

    private func coerce(_ s: String, _ v: Value, _ t: TypeSet) -> Value? {
        if t.contains(.string) || t.isEmpty { return nil }
        if !t.isDisjoint(with: .number), let n = Self.parseNumber(s) {
            switch n {
            case let .int(i):
                return Value(.integer(i), origin: v.origin)
            case let .double(d):
                if t.contains(.fraction) { return Value(.float(d), origin: v.origin) }
                if d.rounded(.towardZero) == d, d >= -9.2e18, d <= 9.2e18 { return Value(.integer(Int64(d)), origin: v.origin) }
            }
        }
        if t.contains(.boolean) {
            switch s {
            case "true", "True", "TRUE": return Value(.bool(true), origin: v.origin)
            case "false", "False", "FALSE": return Value(.bool(false), origin: v.origin)
            default: break
            }
        }
        if t.contains(.null), s == "null" { return Value(.null, origin: v.origin) }
        return nil
    }

    /// JSON number syntax (an optional leading `+` allowed); integers that fit are `.int`.
    static func parseNumber(_ s: String) -> Number? {
        var u = Array(s.utf8)[...]
        if u.first == UInt8(ascii: "+") { u = u.dropFirst() }
        let body = u.first == UInt8(ascii: "-") ? u.dropFirst() : u
        func digits(_ x: ArraySlice<UInt8>) -> Int { x.prefix { $0 >= 0x30 && $0 <= 0x39 }.count }
        var rest = body
        let intDigits = digits(rest)
        guard intDigits > 0 else { return nil }
        rest = rest.dropFirst(intDigits)
        var integral = true
        if rest.first == UInt8(ascii: ".") {
            rest = rest.dropFirst()
            let f = digits(rest)
            guard f > 0 else { return nil }
            rest = rest.dropFirst(f)
            integral = false
        }
        if rest.first == UInt8(ascii: "e") || rest.first == UInt8(ascii: "E") {
            rest = rest.dropFirst()
            if rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-") { rest = rest.dropFirst() }
            let e = digits(rest)
            guard e > 0 else { return nil }
            rest = rest.dropFirst(e)
            integral = false
        }
        guard rest.isEmpty, let text = String(validating: u, as: UTF8.self) else { return nil }
        if integral, let i = Int64(text) { return .int(i) }
        guard let d = Double(text), d.isFinite else { return nil }
        return .double(d)
    }

    // MARK: defaults

    /// The default for a property whose schema is node `c`: its own `default`, or one found
    /// through `$ref`/`allOf`, or an object assembled from its properties' defaults.
    private mutating func defaultValue(for c: Int, visiting: inout Set<Int>, depth: Int) -> Value? {
        guard depth < 64, visiting.insert(c).inserted else { return nil }
        // Breadth-first through the subschemas that certainly apply.
        var queue = [c]
        var seen: Set<Int> = [c]
        var chain: [Int] = []
        while !queue.isEmpty {
            let n = queue.removeFirst()
            chain.append(n)
            if let d = schema.nodes[n].defaultValue { return markedAsDefault(d) }
            for kw in schema.nodes[n].keywords {
                switch kw {
                case let .ref(t), let .dynamicRef(t, _): if seen.insert(t).inserted { queue.append(t) }
                case let .allOf(xs): for x in xs where seen.insert(x).inserted { queue.append(x) }
                default: break
                }
            }
        }
        var v: Set<Int> = []
        guard admitted(c, &v) == .object else { return nil }
        var o = Object()
        var required: Set<String> = []
        for n in chain {
            for kw in schema.nodes[n].keywords {
                switch kw {
                case let .members(m):
                    for key in m.order where !o.contains(key) {
                        if let d = defaultValue(for: m.properties[key]!, visiting: &visiting, depth: depth + 1) { o[key] = d }
                    }
                case let .required(names): required.formUnion(names)
                default: break
                }
            }
        }
        guard !o.isEmpty, required.allSatisfy(o.contains) else { return nil }
        return Value(.object(o), origin: Origin(file: Schema.defaultOriginFile, source: "schema \(schema.documents[schema.nodes[c].doc].displayName)"))
    }

    /// A copy of a schema `default` whose origins all say "default from schema", keeping the
    /// line and column of the `default` in the schema file.
    private func markedAsDefault(_ d: Value) -> Value {
        let source = "schema " + (d.origin?.file ?? schema.documents[0].displayName)
        func mark(_ v: Value) -> Value {
            var out = v
            out.origin = Origin(file: Schema.defaultOriginFile, line: v.origin?.line ?? 0, column: v.origin?.column ?? 0, source: source)
            switch v.kind {
            case let .array(a): out.kind = .array(a.map(mark))
            case let .object(o): out.kind = .object(o.mapValues(mark))
            default: break
            }
            return out
        }
        return mark(d)
    }
}
