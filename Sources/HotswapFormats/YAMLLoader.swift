import CYAML
import HotswapCore

/// Turns libyaml's event stream into values.
///
/// libyaml does the YAML syntax (scanner and parser, no recursion); we do everything above it:
/// core-schema resolution, tags, anchors and aliases, merge keys, duplicate keys, origins and
/// the limits. Nesting lives on an explicit stack and is bounded as the events arrive, so
/// libyaml never gets to scan more than a bounded look-ahead past the depth limit.
/// Aliases share the anchored value (values are copy-on-write), and the nodes an alias stands
/// for are counted, so a "billion laughs" document is refused after a few thousand events
/// without ever building its expansion.
struct YAMLLoader {
    private let options: ParseOptions
    private let file: String
    private let bytes: UnsafeBufferPointer<UInt8>

    init(_ bytes: UnsafeBufferPointer<UInt8>, options: ParseOptions) {
        self.bytes = bytes
        self.options = options
        self.file = options.fileName
    }

    // MARK: Nodes and frames

    /// A finished node, as its parent sees it.
    private struct Node {
        var value: Value
        /// Nodes in its expansion (itself, its children, what its aliases stand for).
        var size: Int
        /// The text to use when the node is a mapping key; nil for collections.
        var keyText: String?
        /// A plain `<<` (or one tagged `!!merge`): a merge key.
        var isMergeKey = false
    }

    /// What an anchor names, for later aliases.
    private struct Anchor {
        var value: Value
        var size: Int
        var keyText: String?
    }

    /// One open sequence or mapping.
    private struct Frame {
        var isMapping: Bool
        var origin: Origin
        var anchor: String?
        var size = 1
        var items: [Value] = []
        var keys: [String] = []
        var keyOrigins: [Origin] = []
        /// The keys, once the mapping is too large for a linear duplicate scan.
        var keySet: Set<String>?
        /// The key waiting for its value.
        var pendingKey: String?
        var pendingKeyIsMerge = false
        var pendingKeyOrigin: Origin?
        /// Set once the `<<` of this mapping has its value: where it stood and the mappings
        /// it merges, in priority order.
        var mergePosition: Int?
        var mergeOrigin: Origin?
        var mergeSources: [Object] = []

        init(isMapping: Bool, origin: Origin, anchor: String?) {
            self.isMapping = isMapping
            self.origin = origin
            self.anchor = anchor
        }
    }

    // MARK: The event loop

    /// Loads every document of the stream; with `single`, a second document is an error.
    mutating func load(single: Bool) throws(ConfigError) -> [Value] {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        // libyaml keeps a pointer to the parser inside itself, so it lives at a fixed address.
        guard yaml_parser_initialize(parser) == 1 else {
            throw ConfigError(.limit, "out of memory initialising the YAML parser", at: Origin(file: file))
        }
        defer { yaml_parser_delete(parser) }
        // `bytes` always has a base address (YAML.load gives empty input a one-byte buffer).
        yaml_parser_set_input_string(parser, bytes.baseAddress!, bytes.count)

        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer { event.deallocate() }

        var documents: [Value] = []
        var stack: [Frame] = []
        var anchors: [String: Anchor] = [:]
        var root: Value?
        var expanded = 0

        while true {
            guard yaml_parser_parse(parser, event) == 1 else {
                throw libyamlError(parser.pointee)
            }
            defer { yaml_event_delete(event) }
            let e = event.pointee
            let origin = self.origin(e.start_mark)

            var finished: Node?
            switch e.type {
            case YAML_STREAM_START_EVENT:
                continue
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                if single && !documents.isEmpty {
                    throw ConfigError(.unsupported, "a second YAML document starts here; hotswapd reads one document per file (split it into several files)", at: origin)
                }
                anchors.removeAll(keepingCapacity: true)
                root = nil
                continue
            case YAML_DOCUMENT_END_EVENT:
                documents.append(root ?? Value(.null, origin: origin))
                continue
            case YAML_ALIAS_EVENT:
                let name = Self.text(e.data.alias.anchor)
                guard let anchor = anchors[name] else {
                    throw ConfigError(.syntax, "alias *\(name) refers to no anchor defined before it (recursive structures are not supported)", at: origin)
                }
                let (sum, overflow) = expanded.addingReportingOverflow(anchor.size)
                expanded = overflow ? .max : sum
                if expanded > options.maxAliasExpansion {
                    throw ConfigError(.limit, "aliases expand to more than \(options.maxAliasExpansion) nodes (the maxAliasExpansion limit); refusing a possible \"billion laughs\" document", at: origin)
                }
                try checkKeyPosition(stack, isCollection: anchor.keyText == nil, at: origin)
                // The alias shares the anchored value, origin included: `explain` then points
                // at the text that defined it.
                finished = Node(value: anchor.value, size: anchor.size, keyText: anchor.keyText)
            case YAML_SCALAR_EVENT:
                let s = e.data.scalar
                let text = String(decoding: UnsafeBufferPointer(start: s.value, count: Int(s.length)), as: UTF8.self)
                let tag = s.tag.map { Self.text($0) }
                let plain = s.style == YAML_PLAIN_SCALAR_STYLE
                let kind = try resolveScalar(text, tag: tag, plain: plain, at: origin)
                let node = Node(value: Value(kind, origin: origin), size: 1, keyText: text,
                                isMergeKey: plain && text == "<<" && (tag == nil || tag == Tag.merge))
                if let anchor = s.anchor {
                    anchors[Self.text(anchor)] = Anchor(value: node.value, size: 1, keyText: text)
                }
                finished = node
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = e.type == YAML_MAPPING_START_EVENT
                try checkKeyPosition(stack, isCollection: true, at: origin)
                if stack.count >= options.maxDepth {
                    throw ConfigError(.limit, "nesting deeper than \(options.maxDepth) levels (the maxDepth limit)", at: origin)
                }
                let tagPointer = isMapping ? e.data.mapping_start.tag : e.data.sequence_start.tag
                if let tagPointer {
                    try checkCollectionTag(Self.text(tagPointer), isMapping: isMapping, at: origin)
                }
                let anchorPointer = isMapping ? e.data.mapping_start.anchor : e.data.sequence_start.anchor
                stack.append(Frame(isMapping: isMapping, origin: origin, anchor: anchorPointer.map { Self.text($0) }))
                continue
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                let frame = stack.removeLast()
                let value: Value
                if frame.isMapping {
                    value = Value(.object(Self.buildObject(frame)), origin: frame.origin)
                } else {
                    value = Value(.array(frame.items), origin: frame.origin)
                }
                if let name = frame.anchor {
                    anchors[name] = Anchor(value: value, size: frame.size, keyText: nil)
                }
                finished = Node(value: value, size: frame.size, keyText: nil)
            default:
                continue
            }

            guard let node = finished else { continue }
            if stack.isEmpty {
                root = node.value
            } else {
                try attach(node, to: &stack[stack.count - 1])
            }
        }
    }

    /// A collection (or an alias of one) where a mapping expects its key is a complex key.
    private func checkKeyPosition(_ stack: [Frame], isCollection: Bool, at origin: Origin) throws(ConfigError) {
        guard isCollection, let top = stack.last, top.isMapping, top.pendingKey == nil else { return }
        throw ConfigError(.unsupported, "a sequence or mapping used as a mapping key is not supported; keys must be scalars", at: origin)
    }

    private func attach(_ node: Node, to frame: inout Frame) throws(ConfigError) {
        let (sum, overflow) = frame.size.addingReportingOverflow(node.size)
        frame.size = overflow ? .max : sum
        guard frame.isMapping else {
            frame.items.append(node.value)
            return
        }
        guard let key = frame.pendingKey else {
            // This node is a key.
            guard let text = node.keyText else {
                throw ConfigError(.unsupported, "a sequence or mapping used as a mapping key is not supported; keys must be scalars", at: node.value.origin)
            }
            if node.isMergeKey {
                if frame.mergePosition != nil {
                    throw ConfigError(.duplicateKey, "duplicate merge key '<<' in mapping (first at \(frame.mergeOrigin.map { "\($0.line):\($0.column)" } ?? "?")); list several mappings as '<<: [*a, *b]'", at: node.value.origin)
                }
            } else if let first = Self.index(of: text, in: &frame) {
                let at = frame.keyOrigins[first]
                throw ConfigError(.duplicateKey, "duplicate key \(quoted(text)) in mapping (first defined at line \(at.line), column \(at.column))", at: node.value.origin)
            }
            frame.pendingKey = text
            frame.pendingKeyIsMerge = node.isMergeKey
            frame.pendingKeyOrigin = node.value.origin
            return
        }
        if frame.pendingKeyIsMerge {
            frame.mergeSources = try Self.mergeSources(node.value, keyOrigin: frame.pendingKeyOrigin)
            frame.mergePosition = frame.keys.count
            frame.mergeOrigin = frame.pendingKeyOrigin
        } else {
            frame.keys.append(key)
            frame.keySet?.insert(key)
            frame.keyOrigins.append(frame.pendingKeyOrigin ?? frame.origin)
            frame.items.append(node.value)
        }
        frame.pendingKey = nil
        frame.pendingKeyIsMerge = false
    }

    /// Where `key` already is among the mapping's keys. A linear scan for the small mappings
    /// of real files; past a threshold a set answers first, so a hostile mapping with
    /// thousands of keys is not quadratic.
    private static func index(of key: String, in frame: inout Frame) -> Int? {
        if frame.keySet == nil && frame.keys.count >= 16 {
            frame.keySet = Set(frame.keys)
        }
        if frame.keySet != nil {
            guard frame.keySet!.contains(key) else { return nil }
        }
        return frame.keys.firstIndex(of: key)
    }

    /// The value of `<<`: a mapping, or a sequence of mappings (earlier ones win).
    private static func mergeSources(_ value: Value, keyOrigin: Origin?) throws(ConfigError) -> [Object] {
        switch value.kind {
        case let .object(o):
            return [o]
        case let .array(items):
            var sources: [Object] = []
            for item in items {
                guard case let .object(o) = item.kind else {
                    throw ConfigError(.type, "merge key '<<' takes a mapping or a list of mappings, but this list holds \(Self.article(item.typeName))", at: item.origin ?? keyOrigin)
                }
                sources.append(o)
            }
            return sources
        default:
            throw ConfigError(.type, "merge key '<<' takes a mapping or a list of mappings, not \(Self.article(value.typeName))", at: value.origin ?? keyOrigin)
        }
    }

    private static func article(_ noun: String) -> String {
        (noun.first.map { "aeiou".contains($0) } ?? false ? "an " : "a ") + noun
    }

    /// The mapping's members in document order; merged members go where the `<<` stood,
    /// skipping keys the mapping sets itself (an explicit key always wins, wherever it is).
    private static func buildObject(_ frame: Frame) -> Object {
        guard let mergeAt = frame.mergePosition else {
            return Object(uniqueKeys: frame.keys, values: frame.items)
        }
        let explicit = Set(frame.keys)
        var object = Object()
        for i in 0...frame.keys.count {
            if i == mergeAt {
                for source in frame.mergeSources {
                    for (k, v) in source where !explicit.contains(k) && !object.contains(k) {
                        object[k] = v
                    }
                }
            }
            if i < frame.keys.count {
                object[frame.keys[i]] = frame.items[i]
            }
        }
        return object
    }

    // MARK: Tags and scalars

    enum Tag {
        static let prefix = "tag:yaml.org,2002:"
        static let str = prefix + "str", int = prefix + "int", float = prefix + "float"
        static let bool = prefix + "bool", null = prefix + "null"
        static let map = prefix + "map", seq = prefix + "seq", merge = prefix + "merge"
    }

    private func resolveScalar(_ text: String, tag: String?, plain: Bool, at origin: Origin) throws(ConfigError) -> Value.Kind {
        guard let tag else {
            // Untagged: plain scalars go through the core schema, quoted and block ones are strings.
            guard plain else { return .string(text) }
            switch YAMLScalar.resolve(text) {
            case let .value(kind): return kind
            case let .outOfRange(why): throw ConfigError(.syntax, why, at: origin)
            }
        }
        switch tag {
        case "!", Tag.str:
            return .string(text)
        case Tag.null:
            if YAMLScalar.isNull(text) { return .null }
        case Tag.bool:
            if let b = YAMLScalar.bool(text) { return .bool(b) }
        case Tag.int:
            switch YAMLScalar.integer(text) {
            case let .value(kind)?: if case .integer = kind { return kind }
            case let .outOfRange(why)?: throw ConfigError(.syntax, why, at: origin)
            case nil: break
            }
        case Tag.float:
            switch YAMLScalar.float(text) ?? YAMLScalar.integer(text) {
            case let .value(.integer(i))?: return .float(Double(i))
            case let .value(kind)?: return kind
            case let .outOfRange(why)?: throw ConfigError(.syntax, why, at: origin)
            case nil: break
            }
        case Tag.merge where text == "<<":
            return .string(text)
        case Tag.map, Tag.seq:
            throw ConfigError(.type, "tag \(Self.shortTag(tag)) on a scalar", at: origin)
        default:
            throw unsupportedTag(tag, at: origin)
        }
        let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
        throw ConfigError(.type, "'\(shown)' is not a valid \(Self.shortTag(tag)) value", at: origin)
    }

    private func checkCollectionTag(_ tag: String, isMapping: Bool, at origin: Origin) throws(ConfigError) {
        switch tag {
        case "!": return
        case Tag.map where isMapping, Tag.seq where !isMapping: return
        case Tag.map, Tag.seq, Tag.str, Tag.int, Tag.float, Tag.bool, Tag.null:
            throw ConfigError(.type, "tag \(Self.shortTag(tag)) on a \(isMapping ? "mapping" : "sequence")", at: origin)
        default:
            throw unsupportedTag(tag, at: origin)
        }
    }

    private func unsupportedTag(_ tag: String, at origin: Origin) -> ConfigError {
        ConfigError(.unsupported, "tag \(Self.shortTag(tag)) is not supported; hotswapd reads plain data (null, booleans, numbers, strings, sequences, mappings): remove the tag or quote the value", at: origin)
    }

    /// `!!int` for the core tags, the tag as written otherwise.
    static func shortTag(_ tag: String) -> String {
        tag.hasPrefix(Tag.prefix) ? "!!" + tag.dropFirst(Tag.prefix.count) : tag.hasPrefix("!") ? tag : "!<\(tag)>"
    }

    // MARK: Locations and errors

    private static func text(_ p: UnsafeMutablePointer<yaml_char_t>) -> String {
        String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
    }

    /// libyaml's marks are 0-based lines and columns counted in characters; ours are 1-based.
    private func origin(_ mark: yaml_mark_t) -> Origin {
        Origin(file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }

    private func libyamlError(_ p: yaml_parser_t) -> ConfigError {
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        switch p.error {
        case YAML_MEMORY_ERROR:
            return ConfigError(.limit, "out of memory while parsing YAML", at: Origin(file: file))
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset instead of a mark.
            let at = origin(atByte: Int(p.problem_offset))
            if p.problem_value == 0 && problem.contains("control characters") {
                return ConfigError(.encoding, "NUL byte in the input; YAML text cannot contain NUL (write \"\\0\" inside a double-quoted string)", at: at)
            }
            if problem.contains("control characters") {
                return ConfigError(.encoding, "control character U+\(hexString(UInt32(truncatingIfNeeded: p.problem_value))) is not allowed in YAML text", at: at)
            }
            if problem.contains("UTF") || problem.contains("Unicode") {
                return ConfigError(.encoding, "invalid UTF-8: \(problem)", at: at)
            }
            return ConfigError(.encoding, problem, at: at)
        default:
            var message = problem
            if problem.contains("cannot start any token") && byte(at: p.problem_mark) == 0x09 {
                message = "a tab character here; YAML indentation and separation must use spaces"
            }
            if let context = p.context.map({ String(cString: $0) }) {
                let c = p.context_mark
                message += " (\(context) at line \(c.line + 1), column \(c.column + 1))"
            }
            return ConfigError(.syntax, message, at: origin(p.problem_mark))
        }
    }

    /// The byte at a libyaml mark (0-based line, column in characters), for better messages.
    private func byte(at mark: yaml_mark_t) -> UInt8? {
        var line = 0, i = 0
        while line < Int(mark.line) && i < bytes.count {
            if bytes[i] == 0x0A { line += 1 }
            i += 1
        }
        var column = 0
        while column < Int(mark.column) && i < bytes.count {
            i += 1
            while i < bytes.count && bytes[i] & 0xC0 == 0x80 { i += 1 }
            column += 1
        }
        return i < bytes.count ? bytes[i] : nil
    }

    /// Line and column (in Unicode scalars) of a byte offset.
    private func origin(atByte offset: Int) -> Origin {
        var line = 1, column = 1
        var i = 0
        let end = min(offset, bytes.count)
        while i < end {
            let b = bytes[i]
            if b == 0x0A || (b == 0x0D && (i + 1 >= bytes.count || bytes[i + 1] != 0x0A)) {
                line += 1
                column = 1
            } else if b & 0xC0 != 0x80 && !(b == 0x0D) {
                column += 1
            }
            i += 1
        }
        return Origin(file: file, line: line, column: column)
    }
}
