import HotswapSystem

/// Keeps inotify watches in step with a `WatchPlan` and tells whether a batch of events
/// concerns the configuration.
final class Watcher {
    let inotify: Inotify
    private var watches: [String: Inotify.Watch] = [:]
    private var plan = WatchPlan(files: [], directories: [], isDirectory: { _ in false }, resolveSymlinks: { _ in nil })
    private var directoryOf: [Inotify.Watch: String] = [:]
    private let logger: Logger

    init(logger: Logger) throws(SystemError) {
        inotify = try Inotify()
        self.logger = logger
    }

    /// Adds watches for new directories of `newPlan` and drops those no longer needed.
    /// Returns whether a watch was added: what changed in that directory before the watch
    /// existed was not seen, so the caller should look again.
    @discardableResult
    func apply(_ newPlan: WatchPlan) -> Bool {
        var added = false
        plan = newPlan
        for (dir, watch) in watches where newPlan.directories[dir] == nil {
            inotify.remove(watch)
            watches[dir] = nil
            directoryOf[watch] = nil
        }
        for dir in newPlan.directories.keys where watches[dir] == nil {
            do {
                let w = try inotify.add(dir, mask: Inotify.Mask.directoryChanges.union(.onlyDirectory))
                watches[dir] = w
                directoryOf[w] = dir
                added = true
            } catch {
                // A directory that vanished between planning and watching: the next plan,
                // made after the reload its disappearance triggers, watches its parent.
                logger.warning("cannot watch \(dir): \(error.reason)", [("HOTSWAP_DIRECTORY", dir)])
            }
        }
        return added
    }

    /// Reads pending events; true when any concerns a source (or the queue overflowed and
    /// events were lost, which must be treated as a change).
    func drain() -> Bool {
        let events: [InotifyEvent]
        do {
            events = try inotify.read()
        } catch {
            logger.warning("inotify read failed: \(error.reason)")
            return true
        }
        var relevant = false
        for e in events {
            if e.mask.contains(.overflow) { relevant = true; continue }
            if e.mask.contains(.ignored) {
                // The kernel dropped the watch (its directory was deleted or unmounted).
                if let dir = directoryOf.removeValue(forKey: e.watch) { watches[dir] = nil }
                relevant = true
                continue
            }
            guard let dir = directoryOf[e.watch], let interest = plan.directories[dir] else { continue }
            if interest.matches(e.name) { relevant = true }
        }
        return relevant
    }
}
