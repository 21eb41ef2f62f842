import HotswapCore
import HotswapFormats
import HotswapSystem

/// The daemon's durable memory, in its state directory: the history of published generations
/// (the newest of which is the last good snapshot served when sources are broken at start)
/// and the runtime-override layer.
///
/// Every file is replaced atomically (temp file, fsync, rename, fsync of the directory), so a
/// crash leaves the old or the new content, never a torn one.
///
/// Layout: `history/<generation>.json` (one `HistoryEntry` each, the newest `size` kept),
/// `overrides.json` (the override layer document).
public final class StateStore {
    public let directory: String
    public let historySize: Int
    private var historyDirectory: String { directory + "/history" }
    private var overridesPath: String { directory + "/overrides.json" }

    public init(directory: String, historySize: Int) throws(SystemError) {
        self.directory = directory
        self.historySize = historySize
        try Files.createDirectory(directory, mode: 0o750)
        try Files.createDirectory(directory + "/history", mode: 0o750)
    }

    /// The recorded generations, oldest first. Records that cannot be read are skipped and
    /// returned in `unreadable` so the caller can log them.
    public func history() -> (entries: [HistoryEntry], unreadable: [ConfigError]) {
        var entries: [HistoryEntry] = []
        var bad: [ConfigError] = []
        let names = (try? Files.list(historyDirectory)) ?? nil
        for name in names ?? [] where name.hasSuffix(".json") {
            let path = historyDirectory + "/" + name
            do throws(ConfigError) {
                let v = try JSON.parse(try Files.read(path, limit: 1 << 30), options: ParseOptions(fileName: path, maxInputBytes: 1 << 30))
                entries.append(try HistoryEntry(decoding: v, file: path))
            } catch {
                bad.append(error)
            }
        }
        return (entries.sorted { $0.generation < $1.generation }, bad)
    }

    /// The newest recorded generation: what to serve when the sources are broken at start.
    public func lastGood() -> HistoryEntry? {
        history().entries.last
    }

    /// Records a published generation and prunes the oldest beyond `historySize`.
    public func record(_ entry: HistoryEntry) throws(SystemError) {
        let text = JSON.emit(entry.encoded()) + "\n"
        try Files.writeAtomically(historyDirectory + "/" + fileName(entry.generation), Array(text.utf8), mode: 0o640)
        let names = ((try? Files.list(historyDirectory)) ?? nil)?.filter { $0.hasSuffix(".json") } ?? []
        // Zero-padded names sort by generation.
        for old in names.dropLast(historySize) {
            Files.remove(historyDirectory + "/" + old)
        }
    }

    private func fileName(_ g: UInt64) -> String {
        let s = String(g)
        return String(repeating: "0", count: max(0, 20 - s.count)) + s + ".json"
    }

    /// Removes the temporary files of writes a crash interrupted (`<name>.tmp.<pid>`); the files
    /// they were to replace are intact. Call only while holding the instance's writer lock, so
    /// that no other daemon is writing here.
    public func removeInterruptedWrites() {
        for dir in [directory, historyDirectory] {
            for name in ((try? Files.list(dir)) ?? nil) ?? [] where name.contains(".tmp.") {
                Files.remove(dir + "/" + name)
            }
        }
    }

    /// The persisted override layer, or nil when there is none.
    public func loadOverrides() throws(ConfigError) -> Value? {
        guard Files.exists(overridesPath) else { return nil }
        let v = try JSON.parse(try Files.read(overridesPath), options: ParseOptions(fileName: overridesPath))
        // Earlier versions could persist `null` for "no overrides"; as a layer it would wipe the document.
        if v.isNull { return Value?.none }
        return v
    }

    /// Persists the override layer; nil removes it.
    public func saveOverrides(_ overrides: Value?) throws(SystemError) {
        guard let overrides else {
            Files.remove(overridesPath)
            return
        }
        try Files.writeAtomically(overridesPath, Array((JSON.emit(overrides, style: .pretty) + "\n").utf8), mode: 0o640)
    }
}
