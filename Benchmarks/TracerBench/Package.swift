// swift-tools-version:6.1
// Benchmarks of SentryTracer against swift-otel's tracer (scripts/bench.sh builds and runs it).
// A package of its own, as AsyncHTTPClient keeps its benchmarks: swift-otel and its dependencies
// stay out of the SDK's manifest.
import Foundation
import PackageDescription

// A path dependency's identity is its folder's name (the checkout's, e.g. "sentry-swift-server").
let root = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().deletingLastPathComponent()
let rootIdentity = root.lastPathComponent.lowercased()

let package = Package(
    name: "sentry-tracer-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../..", traits: ["Tracing"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-service-context.git", from: "1.5.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // With the OTLP/HTTP exporter only (not gRPC): 1.6.0 does not compile without one of
        // its exporter traits (a file uses Foundation that only they import). The benchmark
        // exports nowhere (`exporter = .none`).
        .package(url: "https://github.com/swift-otel/swift-otel.git", exact: "1.6.0", traits: ["OTLPHTTP"]),
    ],
    targets: [
        .executableTarget(
            name: "TracerBench",
            dependencies: [
                .product(name: "Sentry", package: rootIdentity),
                .product(name: "SentryTracing", package: rootIdentity),
                .product(name: "CScopeCore", package: rootIdentity),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "OTel", package: "swift-otel"),
            ]
        )
    ]
)
