// swift-tools-version:6.1
// A consumer that uses only the `Sentry` product. scripts/test-packaging.sh replaces
// SENTRY_PACKAGE_URL with a file:// git URL of a tagged clone and checks that resolving fetches
// no package but sentry-swift-server.
import PackageDescription

let package = Package(
    name: "consumer-sentry-only",
    dependencies: [.package(url: "SENTRY_PACKAGE_URL", from: "0.0.1")],
    targets: [.executableTarget(name: "App", dependencies: [.product(name: "Sentry", package: "sentry-swift-server")])]
)
