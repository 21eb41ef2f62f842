/// An RFC 6902 JSON Patch: a list of operations applied to a document all together or not at
/// all.
///
/// `hotswapctl patch` sends one to the daemon, which applies it to the runtime-override layer;
/// `hotswapctl patch --to FILE` applies one offline. Parsing and applying are pure.
public struct JSONPatch: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        case add(path: ConfigPath, value: Value)
        case remove(path: ConfigPath)
        case replace(path: ConfigPath, value: Value)
        case move(from: ConfigPath, path: ConfigPath)
        case copy(from: ConfigPath, path: ConfigPath)
        case test(path: ConfigPath, value: Value)

        /// `add /a/b`, for messages.
        public var summary: String {
            switch self {
            case let .add(p, _): return "add \(p.pointer)"
            case let .remove(p): return "remove \(p.pointer)"
            case let .replace(p, _): return "replace \(p.pointer)"
            case let .move(f, p): return "move \(f.pointer) to \(p.pointer)"
            case let .copy(f, p): return "copy \(f.pointer) to \(p.pointer)"
            case let .test(p, _): return "test \(p.pointer)"
            }
        }
    }

    public var operations: [Operation]

    public init(_ operations: [Operation]) { self.operations = operations }

    /// Reads a patch document: an array of objects with `op`, `path`, and `value` or `from`
    /// as the operation needs. Members beyond those are ignored, as RFC 6902 requires.
    /// - Throws: `ConfigError.patch` naming the operation's index and what is wrong with it,
    ///   at the origin of the offending node.
    public init(parsing document: Value) throws(ConfigError) {
        guard case let .array(items) = document.kind else {
            throw ConfigError(.patch, "a JSON Patch must be an array of operations, not a \(document.typeName)", at: document.origin)
        }
        var ops: [Operation] = []
        for (i, item) in items.enumerated() {
            guard case let .object(o) = item.kind else {
                throw ConfigError(.patch, "operation \(i): must be an object, not a \(item.typeName)", at: item.origin)
            }
            func pointer(_ key: String) throws(ConfigError) -> ConfigPath {
                guard let v = o[key] else { throw ConfigError(.patch, "operation \(i): missing '\(key)'", at: item.origin) }
                guard case let .string(s) = v.kind else {
                    throw ConfigError(.patch, "operation \(i): '\(key)' must be a string", at: v.origin)
                }
                do {
                    return try ConfigPath(pointer: s)
                } catch {
                    throw ConfigError(.patch, "operation \(i): \(error.message)", at: v.origin)
                }
            }
            func value() throws(ConfigError) -> Value {
                guard let v = o["value"] else { throw ConfigError(.patch, "operation \(i): missing 'value'", at: item.origin) }
                return v
            }
            guard let opValue = o["op"] else { throw ConfigError(.patch, "operation \(i): missing 'op'", at: item.origin) }
            guard case let .string(op) = opValue.kind else {
                throw ConfigError(.patch, "operation \(i): 'op' must be a string", at: opValue.origin)
            }
            switch op {
            case "add": ops.append(.add(path: try pointer("path"), value: try value()))
            case "remove": ops.append(.remove(path: try pointer("path")))
            case "replace": ops.append(.replace(path: try pointer("path"), value: try value()))
            case "move": ops.append(.move(from: try pointer("from"), path: try pointer("path")))
            case "copy": ops.append(.copy(from: try pointer("from"), path: try pointer("path")))
            case "test": ops.append(.test(path: try pointer("path"), value: try value()))
            default:
                throw ConfigError(.patch, "operation \(i): unknown op '\(op)' (add, remove, replace, move, copy, test)", at: opValue.origin)
            }
        }
        operations = ops
    }

    /// Applies every operation in order to `document` and returns the result.
    /// - Throws: `ConfigError.patch` for the first operation that cannot be applied; nothing
    ///   of the patch takes effect then (the input is a value and is left as it was).
    public func apply(to document: Value) throws(ConfigError) -> Value {
        var doc = document
        for (i, op) in operations.enumerated() {
            do {
                doc = try Self.apply(op, to: doc)
            } catch {
                throw ConfigError(.patch, "operation \(i) (\(op.summary)): \(error.message)", at: error.origin)
            }
        }
        return doc
    }

    private static func apply(_ op: Operation, to doc: Value) throws(ConfigError) -> Value {
        switch op {
        case let .add(path, value):
            return try add(value, at: path, in: doc)
        case let .remove(path):
            guard doc.value(at: path) != nil else { throw ConfigError(.patch, "no value at '\(path.pointer)'") }
            guard !path.isRoot else { throw ConfigError(.patch, "cannot remove the whole document") }
            return try strictRemove(at: path, in: doc)
        case let .replace(path, value):
            guard doc.value(at: path) != nil else { throw ConfigError(.patch, "no value at '\(path.pointer)' to replace") }
            if path.isRoot { return value }
            return try strictRemove(at: path, in: doc).settingForPatch(value, at: path)
        case let .move(from, path):
            guard let moved = doc.value(at: from) else { throw ConfigError(.patch, "no value at '\(from.pointer)' to move") }
            if from == path { return doc }
            if path.tokens.starts(with: from.tokens) {
                throw ConfigError(.patch, "cannot move '\(from.pointer)' into its own child '\(path.pointer)'")
            }
            return try add(moved, at: path, in: try strictRemove(at: from, in: doc))
        case let .copy(from, path):
            guard let copied = doc.value(at: from) else { throw ConfigError(.patch, "no value at '\(from.pointer)' to copy") }
            return try add(copied, at: path, in: doc)
        case let .test(path, value):
            guard let actual = doc.value(at: path) else { throw ConfigError(.patch, "no value at '\(path.pointer)' to test") }
            guard actual.isJSONEqual(to: value) else {
                throw ConfigError(.patch, "test failed: '\(path.pointer)' is \(actual), not \(value)")
            }
            return doc
        }
    }

    /// RFC 6902 `add`: the parent must exist; in an array the index inserts (it does not
    /// replace) and `-` appends; in an object the member is set.
    private static func add(_ value: Value, at path: ConfigPath, in doc: Value) throws(ConfigError) -> Value {
        if path.isRoot { return value }
        guard let parent = doc.value(at: path.parent) else {
            throw ConfigError(.patch, "no parent at '\(path.parent.pointer)' to add '\(path.last!)' to")
        }
        switch parent.kind {
        case .object:
            return try doc.settingForPatch(value, at: path)
        case var .array(a):
            let token = path.last!
            let index: Int
            if token == "-" {
                index = a.count
            } else if let i = ConfigPath.arrayIndex(token), i <= a.count {
                index = i
            } else {
                throw ConfigError(.patch, "'\(token)' is not an index of an array of \(a.count) elements")
            }
            a.insert(value, at: index)
            return try doc.settingForPatch(Value(.array(a), origin: parent.origin), at: path.parent)
        default:
            throw ConfigError(.patch, "'\(path.parent.pointer)' is a \(parent.typeName), not an object or array")
        }
    }

    private static func strictRemove(at path: ConfigPath, in doc: Value) throws(ConfigError) -> Value {
        do {
            return try doc.removing(at: path)
        } catch {
            throw ConfigError(.patch, error.message)
        }
    }
}

extension Value {
    fileprivate func settingForPatch(_ value: Value, at path: ConfigPath) throws(ConfigError) -> Value {
        do {
            return try setting(value, at: path)
        } catch {
            throw ConfigError(.patch, error.message)
        }
    }

    /// Equality as JSON defines it: numbers compare by numeric value (`1` equals `1.0`),
    /// objects ignore key order, arrays compare element by element. Used by JSON Patch `test`
    /// and wherever a document's meaning, not its typing, matters.
    public func isJSONEqual(to other: Value) -> Bool {
        switch (kind, other.kind) {
        case let (.integer(a), .float(b)), let (.float(b), .integer(a)):
            return Double(exactly: a).map { $0 == b } ?? false
        case let (.array(a), .array(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.isJSONEqual(to: $1) }
        case let (.object(a), .object(b)):
            return a.count == b.count && a.allSatisfy { member in b[member.key].map { member.value.isJSONEqual(to: $0) } ?? false }
        default:
            return self == other
        }
    }
}
