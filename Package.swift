// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "sentry-swift-server",
    products: [
        .library(name: "Sentry", targets: ["Sentry"]),
        .library(name: "CScopeCore", targets: ["CScopeCore"]),
        .executable(name: "sentry-scenario-runner", targets: ["SentryScenarioRunner"]),
        .executable(name: "sentry-demo", targets: ["SentryDemo"]),
        .executable(name: "sentry-bench", targets: ["SentryBench"]),
        .executable(name: "sentry-e2e-driver", targets: ["SentryE2EDriver"]),
    ],
    targets: [
        // The C core. Its public headers are the repository's top-level include/,
        // shared with the CMake build; its sources live in Sources/CScopeCore.
        .target(
            name: "CScopeCore",
            path: ".",
            sources: ["Sources/CScopeCore"],
            publicHeadersPath: "include",
            cSettings: [
                .define("_GNU_SOURCE"),
                .headerSearchPath("Sources/CScopeCore"),
                .headerSearchPath("Sources/CScopeCoreSPI/include"),
            ],
            linkerSettings: [.linkedLibrary("jansson"), .linkedLibrary("curl"), .linkedLibrary("z"), .linkedLibrary("pthread")]
        ),
        // Calls of the C core that only the Swift overlay and the tests use (stack-trace
        // building blocks): declared in Sources/CScopeCoreSPI/include/cscope_spi.h, implemented
        // and exported by CScopeCore. Not a product; the overlay imports it `internal`.
        .target(name: "CScopeCoreSPI", dependencies: ["CScopeCore"]),
        // The Swift overlay: SentrySDK, Scope, value types, task-local scope binding.
        .target(name: "Sentry", dependencies: ["CScopeCore", "CScopeCoreSPI"]),
        // Runs scope-semantics scenario files (Tests/Scenarios) through the Swift API.
        .target(name: "SentryScenarios", dependencies: ["Sentry", "CScopeCore"]),
        .executableTarget(name: "SentryScenarioRunner", dependencies: ["SentryScenarios"]),
        // The demo (scripts/demo.sh): concurrent requests, each in its own isolation scope.
        .executableTarget(name: "SentryDemo", dependencies: ["Sentry"]),
        // Swift benchmarks (scripts/bench.sh builds it in release mode).
        .executableTarget(name: "SentryBench", dependencies: ["Sentry", "CScopeCore"]),
        // Sends events through the Swift API for the end-to-end tests (tests/e2e).
        .executableTarget(name: "SentryE2EDriver", dependencies: ["Sentry", "CScopeCore"]),
        .testTarget(name: "SentryTests", dependencies: ["Sentry", "CScopeCore", "CScopeCoreSPI"]),
        .testTarget(name: "ScenarioTests", dependencies: ["SentryScenarios", "Sentry"]),
    ]
)
