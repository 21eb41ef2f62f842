import Foundation

/// Where the test suites find things outside the test bundle.
public enum TestPaths {
    /// The package root (the folder holding Package.swift), found from this source file.
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Tests/HotswapTestSupport/Paths.swift
        return url
    }()

    /// The official conformance suites: `$HOTSWAP_CONFORMANCE_DIR`, else
    /// `<package root>/../shared/conformance`, as the developers' guide fixes.
    public static var conformance: URL {
        if let dir = ProcessInfo.processInfo.environment["HOTSWAP_CONFORMANCE_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
    }

    /// Where `make libhotswap` put libhotswap.so: `$HOTSWAP_LIB_DIR`, else `<package root>/build/lib`.
    public static var libraryDir: URL {
        if let dir = ProcessInfo.processInfo.environment["HOTSWAP_LIB_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return packageRoot.appendingPathComponent("build/lib")
    }

    /// The built products folder (where `hotswapd`, `hotswapctl` are), for end-to-end tests:
    /// `$HOTSWAP_BIN_DIR`, else the folder of the running test bundle.
    public static var productsDir: URL {
        if let dir = ProcessInfo.processInfo.environment["HOTSWAP_BIN_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return Bundle.main.bundleURL
    }
}

/// Reads a whole file as bytes; traps with the path in the message when it cannot, because
/// a test fixture that is missing is a broken test, not a test result.
public func readBytes(_ url: URL) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: url.path) else {
        fatalError("cannot read test input \(url.path)")
    }
    return [UInt8](data)
}

/// Runs `body` with a fresh empty directory that is removed afterwards, even on failure.
public func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async rethrows -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("hotswap-test-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try await body(url)
}

/// Synchronous twin of `withTemporaryDirectory`.
public func withTemporaryDirectory<T>(_ body: (URL) throws -> T) rethrows -> T {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("hotswap-test-\(UUID().uuidString)")
    try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url)
}
