// swift-tools-version:6.1
// A consumer that enables the `Logging` trait and uses `SentryLogging` (see consumer-sentry-only).
import PackageDescription

let package = Package(
    name: "consumer-logging",
    dependencies: [
        .package(url: "SENTRY_PACKAGE_URL", from: "0.0.1", traits: ["Logging"]),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Sentry", package: "sentry-swift-server"),
                .product(name: "SentryLogging", package: "sentry-swift-server"),
                .product(name: "Logging", package: "swift-log"),
            ])
    ]
)
