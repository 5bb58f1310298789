// swift-tools-version:6.1
import PackageDescription

// One trait per integration; each integration's package dependencies are used only under its
// trait, and no trait is on by default, so a consumer of `Sentry` alone fetches no package.
// SENTRY_ALL_TRAITS=1 (scripts/test-swift.sh, CI) turns all of them on, as apple/swift-configuration does.
// The web-framework traits (Hummingbird, Vapor, AsyncHTTPClient) are not in that set: their
// builds take minutes, so scripts/test-frameworks.sh builds them in a scratch path of their own
// (`swift build --traits ...`) and the sanitizer runs of scripts/test-swift.sh leave them out.
let integrationTraits: Set<String> = ["Logging", "ServiceLifecycle", "Tracing"]
let defaultTraits: Set<String> = Context.environment["SENTRY_ALL_TRAITS"] != nil ? integrationTraits : []

let package = Package(
    name: "sentry-swift-server",
    products: [
        .library(name: "Sentry", targets: ["Sentry"]),
        // Test support for apps that use Sentry: an in-memory transport, a reset of the SDK's
        // process-wide state, and a lock to run SDK tests one at a time.
        .library(name: "SentryTestKit", targets: ["SentryTestKit"]),
        .library(name: "CScopeCore", targets: ["CScopeCore"]),
        // swift-log integration (LogHandler → breadcrumbs and events). Its swift-log dependency
        // is used only under the `Logging` trait, so a consumer of `Sentry` alone fetches nothing.
        .library(name: "SentryLogging", targets: ["SentryLogging"]),
        // swift-service-lifecycle integration (a Service that starts, flushes and closes the SDK),
        // under the `ServiceLifecycle` trait.
        .library(name: "SentryServiceLifecycle", targets: ["SentryServiceLifecycle"]),
        // swift-distributed-tracing integration (a Tracer backed by Sentry transactions and spans),
        // under the `Tracing` trait.
        .library(name: "SentryTracing", targets: ["SentryTracing"]),
        // Hummingbird 2 middleware (isolation scope, http.server transaction, request data,
        // unhandled errors), under the `Hummingbird` trait.
        .library(name: "SentryHummingbird", targets: ["SentryHummingbird"]),
        // Vapor 4 middleware, under the `Vapor` trait.
        .library(name: "SentryVapor", targets: ["SentryVapor"]),
        // AsyncHTTPClient: http.client spans, trace headers and breadcrumbs for outgoing requests,
        // under the `AsyncHTTPClient` trait.
        .library(name: "SentryAsyncHTTPClient", targets: ["SentryAsyncHTTPClient"]),
        // Example servers (their routes are a contract the tests rely on; see Examples/README.md).
        .executable(name: "sentry-example-hummingbird", targets: ["SentryExampleHummingbird"]),
        .executable(name: "sentry-example-vapor", targets: ["SentryExampleVapor"]),
        .executable(name: "sentry-scenario-runner", targets: ["SentryScenarioRunner"]),
        .executable(name: "sentry-demo", targets: ["SentryDemo"]),
        .executable(name: "sentry-bench", targets: ["SentryBench"]),
        .executable(name: "sentry-e2e-driver", targets: ["SentryE2EDriver"]),
    ],
    traits: [
        .trait(name: "Logging", description: "SentryLogging: a swift-log LogHandler (needs apple/swift-log)."),
        .trait(name: "ServiceLifecycle", description: "SentryServiceLifecycle: a Service for ServiceGroup (needs swift-server/swift-service-lifecycle)."),
        .trait(name: "Tracing", description: "SentryTracing: a swift-distributed-tracing Tracer (needs apple/swift-distributed-tracing)."),
        .trait(name: "Hummingbird", description: "SentryHummingbird: a RouterMiddleware for Hummingbird 2 (needs hummingbird-project/hummingbird)."),
        .trait(name: "Vapor", description: "SentryVapor: an AsyncMiddleware for Vapor 4 (needs vapor/vapor)."),
        .trait(name: "AsyncHTTPClient", description: "SentryAsyncHTTPClient: spans and trace headers for AsyncHTTPClient requests (needs swift-server/async-http-client)."),
        .default(enabledTraits: defaultTraits),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
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
        // Test support (InMemoryTransport, SentrySDK.resetForTesting, SentryTestSupport); reaches
        // the overlay's internals through `package` access, so none of it ships in `Sentry`.
        .target(name: "SentryTestKit", dependencies: ["Sentry", "CScopeCore"]),
        // Runs scope-semantics scenario files (Tests/Scenarios) through the Swift API.
        .target(name: "SentryScenarios", dependencies: ["Sentry", "SentryTestKit", "CScopeCore"], path: "Tests/Scenarios/SentryScenarios"),
        .executableTarget(name: "SentryScenarioRunner", dependencies: ["SentryScenarios"], path: "Tests/Scenarios/SentryScenarioRunner"),
        // The demo (scripts/demo.sh): concurrent requests, each in its own isolation scope.
        .executableTarget(name: "SentryDemo", dependencies: ["Sentry", "SentryExampleSupport"], path: "Examples/SentryDemo"),
        // Swift benchmarks (scripts/bench.sh builds it in release mode).
        // With the Logging trait (SENTRY_ALL_TRAITS=1, as scripts/bench.sh builds it) it also
        // measures the swift-log handler.
        .executableTarget(name: "SentryBench", dependencies: [
            "Sentry", "CScopeCore", "SentryLogging",
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Logging"])),
        ], path: "Benchmarks/SentryBench"),
        // Sends events through the Swift API for the end-to-end tests (Tests/EndToEndTests).
        .executableTarget(name: "SentryE2EDriver", dependencies: ["Sentry", "CScopeCore"], path: "Tests/EndToEndTests/SentryE2EDriver"),
        // swift-log integration; its sources are wrapped in `#if Logging`.
        .target(name: "SentryLogging", dependencies: [
            "Sentry",
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Logging"])),
        ]),
        .testTarget(name: "SentryLoggingTests", dependencies: [
            "SentryLogging", "Sentry", "SentryTestKit",
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["Logging"])),
        ]),
        // swift-service-lifecycle integration; its sources are wrapped in `#if ServiceLifecycle`.
        .target(name: "SentryServiceLifecycle", dependencies: [
            "Sentry",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["ServiceLifecycle"])),
        ]),
        .testTarget(name: "SentryServiceLifecycleTests", dependencies: [
            "SentryServiceLifecycle", "Sentry", "SentryTestKit",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle", condition: .when(traits: ["ServiceLifecycle"])),
            .product(name: "Logging", package: "swift-log", condition: .when(traits: ["ServiceLifecycle"])),
        ]),
        // swift-distributed-tracing integration; its sources are wrapped in `#if Tracing`.
        .target(name: "SentryTracing", dependencies: [
            "Sentry",
            .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["Tracing"])),
        ]),
        .testTarget(name: "SentryTracingTests", dependencies: [
            "SentryTracing", "Sentry", "SentryTestKit",
            .product(name: "Tracing", package: "swift-distributed-tracing", condition: .when(traits: ["Tracing"])),
        ]),
        // Hummingbird 2 integration; its sources are wrapped in `#if Hummingbird`.
        .target(name: "SentryHummingbird", dependencies: [
            "Sentry",
            .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
        ]),
        .testTarget(name: "SentryHummingbirdTests", dependencies: [
            "SentryHummingbird", "Sentry", "SentryTestKit",
            .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
            .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
        ]),
        // Vapor 4 integration; its sources are wrapped in `#if Vapor`.
        .target(name: "SentryVapor", dependencies: [
            "Sentry",
            .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
        ]),
        .testTarget(name: "SentryVaporTests", dependencies: [
            "SentryVapor", "Sentry", "SentryTestKit",
            .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            .product(name: "VaporTesting", package: "vapor", condition: .when(traits: ["Vapor"])),
        ]),
        // AsyncHTTPClient integration; its sources are wrapped in `#if AsyncHTTPClient`.
        .target(name: "SentryAsyncHTTPClient", dependencies: [
            "Sentry",
            .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["AsyncHTTPClient"])),
        ]),
        .testTarget(name: "SentryAsyncHTTPClientTests", dependencies: [
            "SentryAsyncHTTPClient", "Sentry", "SentryTestKit",
            .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["AsyncHTTPClient"])),
            .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["AsyncHTTPClient"])),
            .product(name: "HummingbirdTesting", package: "hummingbird", condition: .when(traits: ["AsyncHTTPClient"])),
        ]),
        // The example servers need their framework's trait and AsyncHTTPClient's (for `/call`).
        // What the demo and the example servers share: the outbox transport, the configuration.
        .target(name: "SentryExampleSupport", dependencies: ["Sentry"], path: "Examples/SentryExampleSupport"),
        .executableTarget(name: "SentryExampleHummingbird", dependencies: [
            "Sentry", "SentryHummingbird", "SentryAsyncHTTPClient", "SentryExampleSupport",
            .product(name: "Hummingbird", package: "hummingbird", condition: .when(traits: ["Hummingbird"])),
            .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["Hummingbird"])),
        ], path: "Examples/SentryExampleHummingbird"),
        .executableTarget(name: "SentryExampleVapor", dependencies: [
            "Sentry", "SentryVapor", "SentryAsyncHTTPClient", "SentryExampleSupport",
            .product(name: "Vapor", package: "vapor", condition: .when(traits: ["Vapor"])),
            .product(name: "AsyncHTTPClient", package: "async-http-client", condition: .when(traits: ["Vapor"])),
        ], path: "Examples/SentryExampleVapor"),
        .testTarget(name: "SentryTests", dependencies: ["Sentry", "SentryTestKit", "CScopeCore", "CScopeCoreSPI"]),
        .testTarget(name: "ScenarioTests", dependencies: ["SentryScenarios", "Sentry", "SentryTestKit"]),
    ]
)

// The documentation build (scripts/test-docs.sh) needs the swift-docc-plugin. It is added only
// when SENTRY_DOCC is set, so that the `Sentry` product depends on no Swift package for users.
if Context.environment["SENTRY_DOCC"] != nil {
    package.dependencies.append(.package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"))
}

