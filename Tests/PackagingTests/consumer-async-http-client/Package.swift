// swift-tools-version:6.1
// A consumer that enables the `AsyncHTTPClient` trait and uses `SentryAsyncHTTPClient` (see
// consumer-sentry-only). It must fetch neither Hummingbird nor Vapor.
import PackageDescription

let package = Package(
    name: "consumer-async-http-client",
    dependencies: [
        .package(url: "SENTRY_PACKAGE_URL", from: "0.0.1", traits: ["AsyncHTTPClient"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
    ],
    targets: [
        .executableTarget(
            name: "App",
            dependencies: [
                .product(name: "Sentry", package: "sentry-swift-server"),
                .product(name: "SentryAsyncHTTPClient", package: "sentry-swift-server"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ])
    ]
)
