// swift-tools-version:6.0
// The package graph mirrors the architecture (docs/architecture.md): pure modules at the
// bottom (Core, Formats, Schema, Snapshot), effects above them (System, Daemon), and the
// executables on top. Dependencies point downward only; pure modules never import Glibc.
import PackageDescription

let package = Package(
    name: "hotswapd",
    products: [
        .executable(name: "hotswapd", targets: ["hotswapd"]),
        .executable(name: "hotswapctl", targets: ["hotswapctl"]),
        .executable(name: "hotswap-bench", targets: ["hotswap-bench"]),
    ],
    targets: [
        // C libraries from Debian, through pkg-config.
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),

        // libhotswap: the C reader (the installed library) and the daemon's private writer side.
        .target(name: "CHotswap", cSettings: [.unsafeFlags(["-O2", "-std=gnu11"])]),
        // Small C wrappers for what Swift cannot call directly (variadic syscalls, epoll, signalfd).
        .target(name: "CShim"),

        // Pure core: values in, values out; no I/O.
        .target(name: "HotswapCore"),
        .target(name: "HotswapFormats", dependencies: ["HotswapCore", "CYAML"]),
        .target(name: "HotswapSchema", dependencies: ["HotswapCore"]),
        .target(name: "HotswapSnapshot", dependencies: ["HotswapCore", "HotswapFormats"]),

        // Effects at the edges.
        .target(name: "HotswapSystem", dependencies: ["HotswapCore", "CShim", "CHotswap", "CSystemd"]),
        .target(name: "HotswapDaemon", dependencies: [
            "HotswapCore", "HotswapFormats", "HotswapSchema", "HotswapSnapshot", "HotswapSystem", "CHotswap",
        ]),

        // Executables.
        .executableTarget(name: "hotswapd", dependencies: ["HotswapDaemon"]),
        .executableTarget(name: "hotswapctl", dependencies: [
            "HotswapCore", "HotswapFormats", "HotswapSchema", "HotswapSnapshot", "HotswapSystem", "HotswapDaemon", "CHotswap",
        ]),
        .executableTarget(name: "hotswap-bench", dependencies: [
            "HotswapCore", "HotswapFormats", "HotswapSchema", "HotswapSnapshot", "HotswapSystem",
        ], path: "Benchmarks/hotswap-bench"),

        // Tests.
        .target(name: "HotswapTestSupport", dependencies: ["HotswapCore", "HotswapSystem", "CHotswap"], path: "Tests/HotswapTestSupport"),
        .testTarget(name: "HotswapCoreTests", dependencies: ["HotswapCore", "HotswapTestSupport"]),
        .testTarget(name: "HotswapFormatsTests", dependencies: ["HotswapFormats", "HotswapTestSupport"]),
        .testTarget(name: "HotswapSchemaTests", dependencies: ["HotswapSchema", "HotswapFormats", "HotswapTestSupport"]),
        .testTarget(name: "HotswapSnapshotTests", dependencies: ["HotswapSnapshot", "HotswapSystem", "CHotswap", "HotswapTestSupport"]),
        .testTarget(name: "HotswapSystemTests", dependencies: ["HotswapSystem", "HotswapTestSupport"]),
        .testTarget(name: "HotswapDaemonTests", dependencies: ["HotswapDaemon", "HotswapSnapshot", "HotswapSystem", "CHotswap", "HotswapTestSupport"]),
        .testTarget(name: "ConformanceTests", dependencies: ["HotswapFormats", "HotswapSchema", "HotswapCore", "HotswapTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
