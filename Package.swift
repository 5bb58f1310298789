// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sentry-swift-server",
    products: [
        .library(name: "Sentry", targets: ["Sentry"]),
        .library(name: "CScopeCore", targets: ["CScopeCore"]),
    ],
    targets: [
        // The C core. Its public headers are the repository's top-level include/,
        // shared with the CMake build; its sources live in Sources/CScopeCore.
        .target(
            name: "CScopeCore",
            path: ".",
            sources: ["Sources/CScopeCore"],
            publicHeadersPath: "include",
            cSettings: [.define("_GNU_SOURCE")],
            linkerSettings: [.linkedLibrary("jansson"), .linkedLibrary("curl"), .linkedLibrary("z"), .linkedLibrary("pthread")]
        ),
    ]
)
