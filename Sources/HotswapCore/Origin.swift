/// Where a configuration value came from: the source, the file (or pseudo-file such as
/// `<env>`), and the 1-based line and column of the node's first character.
///
/// Origins travel with values through merging and validation so that every error message and
/// `hotswapctl explain` can point at the text an operator wrote.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
    /// The file the value was read from, or a bracketed pseudo-name (`<env>`, `<override>`,
    /// `<schema default>`, `<stdin>`).
    public var file: String
    /// 1-based line; 0 when the source has no lines (an environment variable).
    public var line: Int
    /// 1-based column, counted in Unicode scalars; 0 when unknown.
    public var column: Int
    /// The name of the source layer that produced the value (`file app/default.yaml`,
    /// `env APP`, `override`), filled in by whoever builds layers; nil inside a parser.
    public var source: String?

    public init(file: String, line: Int = 0, column: Int = 0, source: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.source = source
    }

    /// `file:line:column`, or fewer parts when line or column are unknown.
    public var description: String {
        if line == 0 {
            // `<env> APP_server__port`: for pseudo-files the source says which variable.
            if let source, file.hasPrefix("<") { return "\(file) \(source)" }
            return file
        }
        if column == 0 { return "\(file):\(line)" }
        return "\(file):\(line):\(column)"
    }
}
