import HotswapCore

/// Turns environment variables into a configuration layer: `PREFIX_a__b=1` sets `a.b` to the
/// string `"1"` (the schema coerces it to the declared type later).
///
/// Pure: the caller passes the environment, so tests need no `setenv`. Keys are lower-cased;
/// variables are applied in sorted order so the result does not depend on the order the
/// kernel lists them in.
public func environmentLayer(prefix: String, separator: String, environment: [String: String]) throws(ConfigError) -> Value {
    let lead = prefix.isEmpty ? "" : prefix + "_"
    var doc = Value(.object(Object()), origin: Origin(file: "<env>", source: "env \(prefix)"))
    for name in environment.keys.sorted() where name.hasPrefix(lead) && name.count > lead.count {
        let rest = String(name.dropFirst(lead.count))
        let tokens = splitKeeping(rest, separator).map { $0.lowercased() }
        let origin = Origin(file: "<env>", source: name)
        guard !tokens.contains(where: \.isEmpty) else {
            throw ConfigError(.path, "environment variable \(name): empty key segment between '\(separator)' separators", at: origin)
        }
        do {
            doc = try doc.setting(.string(environment[name]!, origin: origin), at: ConfigPath(tokens: tokens))
        } catch {
            throw ConfigError(.path, "environment variable \(name) conflicts with another one: \(error.message)", at: origin)
        }
    }
    return doc
}

private func splitKeeping(_ s: String, _ separator: String) -> [String] {
    var parts: [String] = []
    var rest = Substring(s)
    while let r = rest.range(of: separator) {
        parts.append(String(rest[..<r.lowerBound]))
        rest = rest[r.upperBound...]
    }
    parts.append(String(rest))
    return parts
}

extension Substring {
    /// Finds `needle` without Foundation.
    fileprivate func range(of needle: String) -> Range<Substring.Index>? {
        guard !needle.isEmpty else { return nil }
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) {
                return i..<index(i, offsetBy: needle.count)
            }
            i = index(after: i)
        }
        return nil
    }
}
