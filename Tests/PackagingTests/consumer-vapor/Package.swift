// swift-tools-version:6.1
// A consumer that enables the `Vapor` trait and uses `SentryVapor` (see consumer-sentry-only).
// It must not fetch Hummingbird.
import PackageDescription

let package = Package(
    name: "consumer-vapor",
    dependencies: [
        .package(url: "SENTRY_PACKAGE_URL", from: "0.0.1", traits: ["Vapor"]),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Sentry", package: "sentry-swift-server"),
                .product(name: "SentryVapor", package: "sentry-swift-server"),
                .product(name: "Vapor", package: "vapor"),
            ])
    ]
)
