// swift-tools-version:6.1
// A consumer that enables the `Tracing` trait and uses `SentryTracing` (see consumer-sentry-only).
import PackageDescription

let package = Package(
    name: "consumer-tracing",
    dependencies: [
        .package(url: "SENTRY_PACKAGE_URL", from: "0.0.1", traits: ["Tracing"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.7.3"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Sentry", package: "sentry-swift-server"),
                .product(name: "SentryTracing", package: "sentry-swift-server"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ])
    ]
)
