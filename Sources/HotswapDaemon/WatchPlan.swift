import HotswapCore
import HotswapFormats

/// Which directories to watch for a set of sources, and which names in each matter.
///
/// Directories, not files, are watched: editors save by writing a temporary file and renaming
/// it over the original, Kubernetes swaps a `..data` symlink, and operators delete and
/// re-create files; a watch on the file's inode would miss all of these. A path that does not
/// exist yet is covered by watching its nearest existing ancestor for the next component, so
/// a directory that appears later is noticed (and the plan is recomputed after every reload).
///
/// Pure: existence and symlink targets are asked through the closures given.
public struct WatchPlan: Sendable, Equatable {
    /// What matters inside one watched directory.
    public struct Interest: Sendable, Equatable {
        /// Entry names whose change matters (a source file, a directory on the way to one).
        public var names: Set<String> = []
        /// Any `*.yaml|*.yml|*.json|*.toml` entry matters (a drop-in directory).
        public var configFiles = false

        /// Whether a change to entry `name` (empty: the directory itself) matters. Names that
        /// start with `..` are Kubernetes ConfigMap plumbing (`..data`, `..2024_01_01…`):
        /// their swap is how a mounted file changes.
        public func matches(_ name: String) -> Bool {
            if name.isEmpty || name.hasPrefix("..") || names.contains(name) { return true }
            return configFiles && !name.hasPrefix(".") && Format(path: name) != nil
        }
    }

    public var directories: [String: Interest] = [:]

    /// Plans the watches for files (source files, the schema) and drop-in directories.
    /// - Parameters:
    ///   - isDirectory: whether a path exists and is a directory.
    ///   - resolveSymlinks: the fully resolved path of an existing file, to watch a symlink's
    ///     target directory too (an edit of the target does not touch the link's directory).
    public init(files: [String], directories dropIns: [String],
                isDirectory: (String) -> Bool, resolveSymlinks: (String) -> String?)
    {
        for file in files {
            addEntry(file, isDirectory: isDirectory)
            if let target = resolveSymlinks(file), target != file {
                addEntry(target, isDirectory: isDirectory)
            }
        }
        for dir in dropIns {
            if isDirectory(dir) {
                directories[dir, default: Interest()].configFiles = true
                if let target = resolveSymlinks(dir), target != dir {
                    directories[target, default: Interest()].configFiles = true
                }
            }
            addEntry(dir, isDirectory: isDirectory)
        }
    }

    /// Watches the nearest existing ancestor of `path` for the next component on the way.
    private mutating func addEntry(_ path: String, isDirectory: (String) -> Bool) {
        var child = path
        var parent = Self.parent(of: path)
        var guardSteps = 0
        while !isDirectory(parent) && parent != "/" && parent != "." && guardSteps < 256 {
            child = parent
            parent = Self.parent(of: parent)
            guardSteps += 1
        }
        directories[parent, default: Interest()].names.insert(Self.baseName(child))
    }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
