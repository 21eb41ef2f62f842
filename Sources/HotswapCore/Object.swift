/// A string-keyed map that remembers insertion order, the shape of a YAML mapping, a JSON
/// object and a TOML table.
///
/// Order matters to people (emitted files look like the files they wrote), not to meaning:
/// `==` ignores it. Lookup is O(1) through a hash index kept beside the ordered entries.
public struct Object: Sendable, Equatable, Sequence {
    public private(set) var keys: [String] = []
    public private(set) var values: [Value] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Builds an object from entries in order. A repeated key keeps its first position and
    /// its last value; parsers that must reject duplicates check `contains` first.
    public init<S: Sequence>(_ entries: S) where S.Element == (String, Value) {
        for (k, v) in entries { self[k] = v }
    }

    /// Builds an object from distinct keys and their values, in order, with one allocation
    /// per storage array and no rehashing: the fast path for parsers, which have already
    /// rejected repeated keys with a located error. A repeated key here is a programmer error.
    public init(uniqueKeys keys: [String], values: [Value]) {
        precondition(keys.count == values.count, "Object(uniqueKeys:values:) needs one value per key")
        var index = [String: Int](minimumCapacity: keys.count)
        for (i, k) in keys.enumerated() where index.updateValue(i, forKey: k) != nil {
            preconditionFailure("Object(uniqueKeys:values:) given the key '\(k)' twice")
        }
        self.keys = keys
        self.values = values
        self.index = index
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    public func contains(_ key: String) -> Bool { index[key] != nil }

    /// Reads, replaces (keeping the position), appends, or with nil removes a member.
    public subscript(key: String) -> Value? {
        get { index[key].map { values[$0] } }
        set {
            if let i = index[key] {
                if let v = newValue {
                    values[i] = v
                } else {
                    remove(at: i)
                }
            } else if let v = newValue {
                index[key] = keys.count
                keys.append(key)
                values.append(v)
            }
        }
    }

    /// The key and value at position `i` in insertion order.
    public subscript(position i: Int) -> (key: String, value: Value) { (keys[i], values[i]) }

    /// Removes and returns the member, or nil when absent. O(n): later members shift.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        guard let i = index[key] else { return nil }
        let v = values[i]
        remove(at: i)
        return v
    }

    private mutating func remove(at i: Int) {
        index[keys[i]] = nil
        keys.remove(at: i)
        values.remove(at: i)
        for j in i..<keys.count { index[keys[j]] = j }
    }

    public func mapValues(_ transform: (Value) throws -> Value) rethrows -> Object {
        var o = self
        for i in o.values.indices { o.values[i] = try transform(o.values[i]) }
        return o
    }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: Value)> {
        zip(keys, values).lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }

    public static func == (a: Object, b: Object) -> Bool {
        guard a.count == b.count else { return false }
        for (i, k) in a.keys.enumerated() {
            guard let j = b.index[k], a.values[i] == b.values[j] else { return false }
        }
        return true
    }
}
