import HotswapCore
import HotswapFormats
import HotswapSchema

/// Parses YAML text the way the daemon parses files, so values carry `file:line:column`.
func yaml(_ text: String, file: String = "app.yaml") throws -> Value {
    try YAML.parse(Array(text.utf8), options: ParseOptions(fileName: file))
}

func json(_ text: String, file: String = "<json>") throws -> Value {
    try JSON.parse(Array(text.utf8), options: ParseOptions(fileName: file))
}

/// Compiles a schema written in YAML, as `schema.yaml` in `/etc/app`.
func schema(_ text: String, options: Schema.Options = Schema.Options(),
            resolve: (String) throws(ConfigError) -> Value? = { _ in nil }) throws -> Schema
{
    try Schema.compile(yaml(text, file: "schema.yaml"), uri: "file:///etc/app/schema.yaml", options: options, resolve: resolve)
}

/// The compile error for a schema that must be rejected; nil when it compiles.
func compileError(_ text: String, options: Schema.Options = Schema.Options(),
                  resolve: (String) throws(ConfigError) -> Value? = { _ in nil }) throws -> ConfigError?
{
    let v = try yaml(text, file: "schema.yaml")
    do {
        _ = try Schema.compile(v, uri: "file:///etc/app/schema.yaml", options: options, resolve: resolve)
        return nil
    } catch {
        return error
    }
}

/// A string as an environment variable would provide it.
func env(_ s: String) -> Value { Value(.string(s), origin: Origin(file: "<env>", source: "env APP")) }
