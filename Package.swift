// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "baton",
    products: [
        .executable(name: "baton", targets: ["baton"]),
        .library(name: "BatonCore", targets: ["BatonCore"]),
        .library(name: "BatonConfig", targets: ["BatonConfig"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // Debian's libyaml; the only YAML parser Baton uses.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // glibc's malloc tuning (mallopt), which the Glibc module does not export.
        .systemLibrary(name: "CMalloc"),
        // glibc's posix_spawn file action that closes every descriptor from a number up (a GNU extension).
        .systemLibrary(name: "CSpawn"),
        // Pure: the standard library only. No Foundation, no I/O, time passed in.
        .target(name: "BatonCore"),
        .target(name: "BatonConfig", dependencies: ["BatonCore", "CYAML"]),
        .target(
            name: "BatonAgents",
            dependencies: [
                "BatonCore",
                "CSpawn",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "BatonNet",
            dependencies: [
                "BatonCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BatonControl",
            dependencies: [
                "BatonCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "BatonEngine",
            dependencies: [
                "BatonCore",
                "BatonConfig",
                "BatonAgents",
                "BatonNet",
                "BatonControl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .target(
            name: "BatonCLI",
            dependencies: [
                "BatonCore",
                "BatonConfig",
                "BatonAgents",
                "BatonControl",
                "BatonEngine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "baton",
            dependencies: [
                "BatonCLI",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The Swift runtime and FoundationEssentials linked in: a node needs no Swift toolchain to run Baton, and
            // the binary starts in half the time (no dozen shared libraries to load and relocate for each command).
            // Nothing in the product imports full Foundation, so no ICU data is linked (a test checks).
            linkerSettings: [
                .unsafeFlags([
                    "-static-stdlib", "-Xlinker", "--start-group", "-lFoundationEssentials", "-l_FoundationCShims",
                    "-l_FoundationCollections", "-Xlinker", "--end-group",
                ])
            ]
        ),
        .executableTarget(
            name: "baton-benchmark",
            dependencies: ["BatonCore", "BatonConfig"],
            path: "Benchmarks/Baton"
        ),
        .executableTarget(
            name: "baton-agent-benchmark",
            dependencies: ["BatonCore", "BatonAgents"],
            path: "Benchmarks/Agents"
        ),
        .testTarget(name: "BatonCoreTests", dependencies: ["BatonCore"]),
        .testTarget(name: "BatonConfigTests", dependencies: ["BatonConfig", "BatonCore"], exclude: ["Corpus"]),
        .testTarget(
            name: "BatonAgentsTests", dependencies: ["BatonAgents", "BatonCore", "BatonConfig"], exclude: ["Fixtures"]),
        .testTarget(name: "BatonNetTests", dependencies: ["BatonNet", "BatonCore"]),
        .testTarget(
            name: "BatonEngineTests",
            dependencies: [
                "BatonEngine", "BatonAgents", "BatonCore", "BatonConfig", "BatonControl", "BatonNet",
                .product(name: "Logging", package: "swift-log"),
            ]),
        .testTarget(
            name: "BatonCLITests",
            dependencies: [
                "BatonCLI", "BatonCore", "BatonControl", "BatonNet", .product(name: "Crypto", package: "swift-crypto"),
            ], exclude: ["Scenarios", "Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
