import HotswapCore
import HotswapFormats
import HotswapSchema
import HotswapSystem

/// Loads the schema file named in the daemon configuration and compiles it, again only when
/// the file's bytes changed, so a schema edit takes effect at the next reload.
final class SchemaProvider {
    let path: String?
    private var cachedBytes: [UInt8]?
    private var cachedStep: SchemaStep?

    init(path: String?) { self.path = path }

    /// The schema step, or nil when no schema is configured.
    /// - Throws: `ConfigError` when the schema file cannot be read, parsed or compiled.
    func current() throws(ConfigError) -> SchemaStep? {
        guard let path else { return nil }
        let bytes = try Files.read(path)
        if bytes == cachedBytes, let cachedStep { return cachedStep }
        guard let format = Format(path: path) else {
            throw ConfigError(.unsupported, "cannot tell the format of schema \(path): use .yaml, .yml, .json or .toml", at: Origin(file: path))
        }
        let document = try format.parse(bytes, options: ParseOptions(fileName: path))
        let step = schemaStep(try compileSchema(document, path: path), path: path)
        cachedBytes = bytes
        cachedStep = step
        return step
    }
}

/// Compiles a parsed schema document. `$ref`s to other files resolve inside the schema's own
/// directory (and nowhere else: a schema cannot make the daemon read arbitrary files).
public func compileSchema(_ document: Value, path: String) throws(ConfigError) -> Schema {
    let absolute = path.hasPrefix("/") ? path : Files.currentDirectory + "/" + path
    let directory = Files.directory(of: absolute)
    return try Schema.compile(document, uri: absolute) { uri throws(ConfigError) -> Value? in
        guard uri.hasPrefix("file://") else { return nil }
        let file = String(uri.dropFirst("file://".count))
        guard Files.directory(of: file) == directory, let format = Format(path: file), Files.exists(file) else { return nil }
        return try format.parse(try Files.read(file), options: ParseOptions(fileName: file))
    }
}

/// Reads, parses and compiles the schema file at `path`.
public func loadSchema(path: String) throws(ConfigError) -> Schema {
    guard let format = Format(path: path) else {
        throw ConfigError(.unsupported, "cannot tell the format of schema \(path): use .yaml, .yml, .json or .toml", at: Origin(file: path))
    }
    return try compileSchema(try format.parse(try Files.read(path), options: ParseOptions(fileName: path)), path: path)
}

/// The pipeline's schema step for a compiled schema: coerce, default, validate, and turn
/// each violation into a located error naming the key path and the schema location.
func schemaStep(_ schema: Schema, path: String) -> SchemaStep {
    return { value in
        let result = schema.apply(to: value)
        let errors = result.violations.map { v in
            ConfigError(.schema, "\(v.path.isRoot ? "(document)" : v.path.description): \(v.message) [schema \(path)\(schemaPointer(v.schemaLocation))]",
                        at: v.origin)
        }
        return SchemaOutcome(document: result.value, errors: errors, secrets: result.secrets)
    }
}

/// The fragment of a schema location (`#/properties/port/maximum`), which is what a person
/// needs beside the schema's file name.
private func schemaPointer(_ location: String) -> String {
    guard let hash = location.firstIndex(of: "#") else { return "" }
    return String(location[hash...])
}
