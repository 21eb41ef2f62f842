/// One source's contribution to the configuration: its parsed document and its priority.
public struct Layer: Sendable, Equatable {
    /// Human-readable name of the source (`file etc/app/default.yaml`, `env APP`, `override`).
    public var name: String
    /// Higher wins. Defaults are fixed in DESIGN.md: 100 default file, 200 environment file,
    /// 250 drop-ins, 300 environment variables, 400 runtime overrides.
    public var priority: Int
    public var document: Value

    public init(name: String, priority: Int, document: Value) {
        self.name = name
        self.priority = priority
        self.document = document
    }
}

extension Value {
    /// This value laid over `base`: objects merge member by member, recursively; anything
    /// else (scalars, arrays, and an object meeting a non-object) replaces what is below.
    ///
    /// Arrays replace rather than concatenate because a list in a higher-priority file is
    /// almost always meant as the whole list (`allowed_hosts`), and concatenation would make
    /// it impossible to remove an element. The merged object keeps `base`'s key order, with
    /// keys new in the overlay appended, and carries the overlay's origin: every node of the
    /// result carries the origin of the layer that won it.
    public func merged(over base: Value) -> Value {
        guard case let .object(top) = kind, case var .object(result) = base.kind else { return self }
        for (key, value) in top {
            if let below = result[key] {
                result[key] = value.merged(over: below)
            } else {
                result[key] = value
            }
        }
        return Value(.object(result), origin: origin ?? base.origin)
    }

    /// Merges layers by priority (lowest first, so the highest wins). Layers of equal
    /// priority apply in the order given, so the later one wins, which is what lexical order
    /// in a drop-in directory means. No layers give an empty object.
    public static func merge(_ layers: [Layer]) -> Value {
        let ordered = layers.enumerated().sorted { a, b in
            a.element.priority != b.element.priority ? a.element.priority < b.element.priority : a.offset < b.offset
        }
        var result = Value(.object(Object()))
        for (_, layer) in ordered {
            result = layer.document.merged(over: result)
        }
        return result
    }
}
