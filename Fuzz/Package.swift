// swift-tools-version: 6.2
// The libFuzzer target for the config loader, kept out of the main package so that `swift build` never links it.
// Build and run: see README.md in this folder.
import Foundation
import PackageDescription

// A path dependency is known by its folder's name, which is whatever the clone is called.
let baton = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "baton-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .executableTarget(
            name: "ConfigFuzzer",
            dependencies: [.product(name: "BatonConfig", package: baton)],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ],
    swiftLanguageModes: [.v6]
)
