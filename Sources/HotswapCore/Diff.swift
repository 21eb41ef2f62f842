/// One difference between two documents, at a key path.
public struct Change: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable { case added, removed, changed }
    public var path: ConfigPath
    public var kind: Kind
    /// The value before; nil when added.
    public var old: Value?
    /// The value after; nil when removed.
    public var new: Value?

    public init(path: ConfigPath, kind: Kind, old: Value?, new: Value?) {
        self.path = path
        self.kind = kind
        self.old = old
        self.new = new
    }

    /// `+ a.b: 1`, `- a.b: 1`, `~ a.b: 1 -> 2`.
    public var description: String {
        let p = path.isRoot ? "(document)" : path.description
        switch kind {
        case .added: return "+ \(p): \(new!)"
        case .removed: return "- \(p): \(old!)"
        case .changed: return "~ \(p): \(old!) -> \(new!)"
        }
    }
}

extension Value {
    /// The changes that turn `self` into `other`, by key path, in document order.
    ///
    /// Objects are compared member by member; arrays of equal length element by element;
    /// arrays whose length changed are reported as one change of the whole array, because an
    /// element-wise diff of a shifted list reads as noise to a person.
    public func changes(to other: Value) -> [Change] {
        var out: [Change] = []
        Self.diff(self, other, at: .root, into: &out)
        return out
    }

    private static func diff(_ a: Value, _ b: Value, at path: ConfigPath, into out: inout [Change]) {
        switch (a.kind, b.kind) {
        case let (.object(x), .object(y)):
            for (key, value) in x {
                if let other = y[key] {
                    diff(value, other, at: path.appending(key), into: &out)
                } else {
                    out.append(Change(path: path.appending(key), kind: .removed, old: value, new: nil))
                }
            }
            for (key, value) in y where !x.contains(key) {
                out.append(Change(path: path.appending(key), kind: .added, old: nil, new: value))
            }
        case let (.array(x), .array(y)) where x.count == y.count:
            for i in x.indices { diff(x[i], y[i], at: path.appending(i), into: &out) }
        default:
            if a != b { out.append(Change(path: path, kind: .changed, old: a, new: b)) }
        }
    }
}
