/// A parsed key path into a configuration document.
///
/// Two spellings are accepted at the edges (CLI, control socket, C API): dotted paths
/// (`server.port`, `servers.0.host`) and RFC 6901 JSON Pointers (`/servers/0/host`,
/// `/a~1b` for the key `a/b`, `/a.b` for a key that contains a dot). Both parse into the same
/// list of reference tokens. A token names a member when it meets an object and an index when
/// it meets an array, so `0` is a key of `{ "0": … }` and an index of `[…]`.
///
/// The empty string is the root (the whole document), in both spellings.
public struct ConfigPath: Sendable, Hashable, CustomStringConvertible {
    public var tokens: [String]

    public init(tokens: [String]) { self.tokens = tokens }
    public static let root = ConfigPath(tokens: [])

    /// Parses a dotted path or, when `text` starts with `/`, a JSON Pointer.
    /// - Throws: `ConfigError.path` for an empty dotted segment (`a..b`, `.a`, `a.`) or a
    ///   pointer escape other than `~0` and `~1`.
    public init(parsing text: String) throws(ConfigError) {
        if text.isEmpty {
            tokens = []
        } else if text.hasPrefix("/") {
            tokens = try Self.pointerTokens(text)
        } else {
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if parts.contains(where: \.isEmpty) {
                throw ConfigError(.path, "invalid key path '\(text)': empty segment (use a JSON Pointer such as '/a.b' for keys that contain dots)")
            }
            tokens = parts
        }
    }

    /// Parses an RFC 6901 pointer strictly: `""` or `/`-separated tokens.
    public init(pointer: String) throws(ConfigError) {
        tokens = pointer.isEmpty ? [] : try Self.pointerTokens(pointer)
    }

    private static func pointerTokens(_ text: String) throws(ConfigError) -> [String] {
        guard text.hasPrefix("/") else {
            throw ConfigError(.path, "invalid JSON Pointer '\(text)': must be empty or start with '/'")
        }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var it = raw.makeIterator()
            while let c = it.next() {
                if c == "~" {
                    switch it.next() {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: throw ConfigError(.path, "invalid JSON Pointer '\(text)': '~' must be followed by '0' or '1'")
                    }
                } else {
                    token.append(c)
                }
            }
            result.append(token)
        }
        return result
    }

    public var isRoot: Bool { tokens.isEmpty }
    public var parent: ConfigPath { ConfigPath(tokens: Array(tokens.dropLast())) }
    public var last: String? { tokens.last }
    public func appending(_ token: String) -> ConfigPath { ConfigPath(tokens: tokens + [token]) }
    public func appending(_ index: Int) -> ConfigPath { appending(String(index)) }

    /// The RFC 6901 spelling; always unambiguous.
    public var pointer: String {
        tokens.map { "/" + $0.replacingAll("~", with: "~0").replacingAll("/", with: "~1") }.joined()
    }

    /// The dotted spelling when it round-trips (no token is empty or contains a dot),
    /// otherwise the pointer. The root is the empty string.
    public var description: String {
        if tokens.contains(where: { $0.isEmpty || $0.contains(".") }) || tokens.first?.hasPrefix("/") == true {
            return pointer
        }
        return tokens.joined(separator: ".")
    }

    /// The array index a token denotes: decimal digits without a leading zero (RFC 6901),
    /// small enough to be an index.
    public static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.utf8.count <= 18, token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        if token.utf8.count > 1 && token.utf8.first == 0x30 { return nil }
        return Int(token)
    }
}

extension String {
    /// Replaces every occurrence of a character; kept here so the pure core needs no Foundation.
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}

extension Value {
    /// The node at `path`, or nil when some token does not resolve.
    public func value(at path: ConfigPath) -> Value? {
        var node = self
        for token in path.tokens {
            switch node.kind {
            case let .object(o):
                guard let next = o[token] else { return nil }
                node = next
            case let .array(a):
                guard let i = ConfigPath.arrayIndex(token), i < a.count else { return nil }
                node = a[i]
            default:
                return nil
            }
        }
        return node
    }

    /// A copy with `newValue` stored at `path`.
    ///
    /// Missing intermediate members are created as objects. In an array, an existing index
    /// replaces its element, and the index equal to the count (or `-`) appends.
    /// - Throws: `ConfigError.path` when the path runs through a scalar or past an array's end.
    public func setting(_ newValue: Value, at path: ConfigPath) throws(ConfigError) -> Value {
        try Self.set(newValue, in: self, tokens: path.tokens[...], path: path)
    }

    private static func set(_ newValue: Value, in node: Value, tokens: ArraySlice<String>, path: ConfigPath) throws(ConfigError) -> Value {
        guard let token = tokens.first else { return newValue }
        let rest = tokens.dropFirst()
        var node = node
        switch node.kind {
        case var .object(o):
            let child = o[token] ?? Value(.object(Object()), origin: newValue.origin)
            o[token] = try set(newValue, in: child, tokens: rest, path: path)
            node.kind = .object(o)
        case var .array(a):
            let i: Int
            if token == "-" {
                i = a.count
            } else if let idx = ConfigPath.arrayIndex(token), idx <= a.count {
                i = idx
            } else {
                throw ConfigError(.path, "cannot set '\(path)': '\(token)' is not an index of an array of \(a.count) elements")
            }
            if i == a.count {
                a.append(try set(newValue, in: Value(.object(Object()), origin: newValue.origin), tokens: rest, path: path))
            } else {
                a[i] = try set(newValue, in: a[i], tokens: rest, path: path)
            }
            node.kind = .array(a)
        case .null where tokens.count >= 1:
            // A null placeholder (`server:` with nothing after it in YAML) becomes an object.
            node.kind = .object(Object())
            return try set(newValue, in: node, tokens: tokens, path: path)
        default:
            throw ConfigError(.path, "cannot set '\(path)': '\(token)' would be a member of a \(node.typeName)")
        }
        return node
    }

    /// A copy without the node at `path`.
    /// - Throws: `ConfigError.path` when nothing is there, or for the root.
    public func removing(at path: ConfigPath) throws(ConfigError) -> Value {
        guard !path.isRoot else { throw ConfigError(.path, "cannot remove the whole document") }
        return try Self.remove(in: self, tokens: path.tokens[...], path: path)
    }

    private static func remove(in node: Value, tokens: ArraySlice<String>, path: ConfigPath) throws(ConfigError) -> Value {
        let token = tokens.first!
        let rest = tokens.dropFirst()
        var node = node
        switch node.kind {
        case var .object(o):
            guard let child = o[token] else { throw ConfigError(.path, "no value at '\(path)'") }
            if rest.isEmpty {
                o.removeValue(forKey: token)
            } else {
                o[token] = try remove(in: child, tokens: rest, path: path)
            }
            node.kind = .object(o)
        case var .array(a):
            guard let i = ConfigPath.arrayIndex(token), i < a.count else { throw ConfigError(.path, "no value at '\(path)'") }
            if rest.isEmpty {
                a.remove(at: i)
            } else {
                a[i] = try remove(in: a[i], tokens: rest, path: path)
            }
            node.kind = .array(a)
        default:
            throw ConfigError(.path, "no value at '\(path)'")
        }
        return node
    }
}
