import Foundation
import Sentry

/// What the example servers (sentry-example-hummingbird, sentry-example-vapor) read from their
/// command line and environment:
/// - `--port N` (default 8080), `--host H` (default 127.0.0.1);
/// - `--request-timeout SECONDS`: the middleware's deadline for each request (default none);
/// - `--no-sentry`: serve without the SDK and middleware (the baseline of scripts/bench-frameworks.sh);
/// - `SENTRY_DSN`, `SENTRY_RELEASE`, `SENTRY_ENVIRONMENT`, `SENTRY_TRACES_SAMPLE_RATE` (default
///   1.0 here; `off` turns tracing off), `SENTRY_SEND_DEFAULT_PII`; without a DSN, envelopes are written to `./outbox/`
///   (`SENTRY_OUTBOX` names another folder).
public struct ExampleServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var sentryEnabled = true
    public var requestTimeout: Duration?
    public var options = SentryOptions()
    public var outboxPath: String?

    public init(
        name: String, arguments: [String] = CommandLine.arguments,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        var args = arguments.dropFirst().makeIterator()
        while let arg = args.next() {
            switch arg {
            case "--port":
                guard let value = args.next(), let port = Int(value), (0...65535).contains(port) else {
                    Self.fail("--port needs a number from 0 to 65535")
                }
                self.port = port
            case "--host":
                guard let value = args.next() else { Self.fail("--host needs an address") }
                host = value
            case "--request-timeout":
                guard let value = args.next(), let seconds = Double(value), seconds > 0 else {
                    Self.fail("--request-timeout needs a number of seconds above 0")
                }
                requestTimeout = .milliseconds(Int64(seconds * 1000))
            case "--no-sentry": sentryEnabled = false
            case "-h", "--help":
                print("usage: \(name) [--port N] [--host ADDRESS] [--request-timeout SECONDS] [--no-sentry]")
                exit(0)
            default: Self.fail("unknown argument \(arg)")
            }
        }
        let env = { (key: String) in environment[key].flatMap { $0.isEmpty ? nil : $0 } }
        options.dsn = env("SENTRY_DSN")
        options.release = env("SENTRY_RELEASE") ?? "\(name)@\(SentrySDK.version)"
        options.environment = env("SENTRY_ENVIRONMENT") ?? "example"
        // "off": no rate at all, so tracing is off and only trace propagation runs.
        let rate = env("SENTRY_TRACES_SAMPLE_RATE")
        options.tracesSampleRate = rate == "off" ? nil : rate.flatMap(Double.init) ?? 1.0
        options.sendDefaultPii = env("SENTRY_SEND_DEFAULT_PII") == "1"
        // The examples call each other and a Python service on loopback: propagate to all of them.
        options.tracePropagationTargets = [".*"]
        if options.dsn == nil {
            let path = env("SENTRY_OUTBOX") ?? "outbox"
            outboxPath = path
            options.transport = OutboxTransport(directory: URL(fileURLWithPath: path, isDirectory: true))
        }
    }

    /// Starts the SDK (unless `--no-sentry`) and says where events go.
    public func startSentry(name: String) {
        guard sentryEnabled else {
            print("\(name): --no-sentry, serving without the SDK")
            return
        }
        SentrySDK.start(options: options)
        if let outboxPath {
            print("\(name): no SENTRY_DSN, writing envelopes to \(outboxPath)/")
        } else {
            print("\(name): sending to the SENTRY_DSN server")
        }
    }

    /// Flushes and closes the SDK at shutdown (at most 5 s).
    public func stopSentry() {
        guard sentryEnabled else { return }
        SentrySDK.flush(timeout: .seconds(5))
        SentrySDK.close()
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("\(message)\n".utf8))
        exit(2)
    }
}

/// The error `/fail/:id` throws.
public struct ExampleFailure: Error, CustomStringConvertible {
    public let id: String
    public init(id: String) { self.id = id }
    public var description: String { "example failure \(id)" }
}
