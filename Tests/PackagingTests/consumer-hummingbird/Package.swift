// swift-tools-version:6.2
// A consumer that enables the `Hummingbird` trait and uses `SentryHummingbird` (see
// consumer-sentry-only). It must not fetch Vapor.
import PackageDescription

let package = Package(
    name: "consumer-hummingbird",
    dependencies: [
        .package(url: "SENTRY_PACKAGE_URL", from: "0.0.1", traits: ["Hummingbird"]),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Sentry", package: "sentry-swift-server"),
                .product(name: "SentryHummingbird", package: "sentry-swift-server"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ])
    ]
)
