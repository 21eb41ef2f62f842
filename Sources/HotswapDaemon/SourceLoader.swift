import HotswapCore
import HotswapFormats
import HotswapSystem

/// What happened to one source at the last load.
public struct SourceStatus: Sendable, Equatable {
    public enum Health: Sendable, Equatable {
        case ok
        /// An optional file or directory that does not exist.
        case missing
        case failed(ConfigError)
    }

    public var spec: SourceSpec
    public var health: Health
    /// The files the source read, in order (one for a file, each drop-in for a directory).
    public var files: [String]

    public init(spec: SourceSpec, health: Health, files: [String]) {
        self.spec = spec
        self.health = health
        self.files = files
    }
}

/// The result of reading every source: layers for the merge, and per-source health.
public struct LoadedSources: Sendable {
    public var layers: [Layer]
    public var statuses: [SourceStatus]

    public init(layers: [Layer], statuses: [SourceStatus]) {
        self.layers = layers
        self.statuses = statuses
    }

    /// Every error of every source, in source order.
    public var errors: [ConfigError] {
        statuses.compactMap { if case let .failed(e) = $0.health { e } else { nil } }
    }
}

/// Reads sources from the file system and the environment into layers. The only I/O is
/// reading files and listing directories; parsing is the formats' pure code.
public struct SourceLoader: Sendable {
    public var parseOptions: ParseOptions

    public init(parseOptions: ParseOptions = ParseOptions()) {
        self.parseOptions = parseOptions
    }

    public func load(_ specs: [SourceSpec], environment: [String: String]) -> LoadedSources {
        var layers: [Layer] = []
        var statuses: [SourceStatus] = []
        for spec in specs {
            var status = SourceStatus(spec: spec, health: .ok, files: [])
            do throws(ConfigError) {
                switch spec.kind {
                case let .file(path):
                    if spec.optional && !Files.exists(path) {
                        status.health = .missing
                    } else {
                        layers.append(Layer(name: spec.name, priority: spec.priority, document: try parseFile(path, source: spec.name)))
                        status.files = [path]
                    }
                case let .directory(path):
                    let names: [String]?
                    do {
                        names = try Files.list(path)
                    } catch {
                        throw ConfigError(.io, "cannot list \(path): \(error.reason)", at: Origin(file: path))
                    }
                    guard let names else {
                        if spec.optional { status.health = .missing; break }
                        throw ConfigError(.io, "drop-in directory \(path) does not exist (mark the source optional: true if that is expected)", at: Origin(file: path))
                    }
                    // Parse every drop-in before adding any, so a broken one rejects the
                    // whole directory's contribution rather than half of it.
                    var dirLayers: [Layer] = []
                    for name in names where Format(path: name) != nil && !name.hasPrefix(".") {
                        let file = path + "/" + name
                        guard Files.isRegularFile(file) else { continue }
                        dirLayers.append(Layer(name: "\(spec.name)/\(name)", priority: spec.priority, document: try parseFile(file, source: spec.name)))
                        status.files.append(file)
                    }
                    layers += dirLayers
                case let .environment(prefix, separator):
                    let doc = try environmentLayer(prefix: prefix, separator: separator, environment: environment)
                    layers.append(Layer(name: spec.name, priority: spec.priority, document: doc))
                }
            } catch {
                status.health = .failed(error)
                status.files = []
            }
            statuses.append(status)
        }
        return LoadedSources(layers: layers, statuses: statuses)
    }

    /// Reads and parses one file, every node's origin naming the file and the source.
    func parseFile(_ path: String, source: String) throws(ConfigError) -> Value {
        guard let format = Format(path: path) else {
            throw ConfigError(.unsupported, "cannot tell the format of \(path): use .yaml, .yml, .json or .toml", at: Origin(file: path))
        }
        let bytes = try Files.read(path, limit: parseOptions.maxInputBytes)
        var options = parseOptions
        options.fileName = path
        return try format.parse(bytes, options: options)
    }
}
