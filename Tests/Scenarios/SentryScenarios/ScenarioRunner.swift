import Sentry
import SentryTestKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs scenario files through the Swift API and produces the oracle's result format:
/// scenario name -> records, plus `"__meta__"`.
///
/// Every scenario starts from a fresh SDK: the previous client is closed, the global scope and
/// the process default scopes are cleared (`SentrySDK.resetForTesting()`), a client is started
/// with the scenario's init options and an in-memory transport, and the operations run inside
/// `SentrySDK.withIsolationScope`, so isolation and current scopes start empty.
///
/// Not thread-safe: it drives the process-wide SDK; run one scenario at a time.
public enum ScenarioRunner {
    /// The breadcrumb pause (before and after each add) that makes SDK timestamps strictly increasing.
    static let breadcrumbSleepMicros: UInt32 = 2000

    /// The init option keys the oracle accepts.
    static let knownInitKeys: Set<String> = [
        "dsn", "release", "environment", "max_breadcrumbs", "dist", "attach_stacktrace", "before_send",
        "before_breadcrumb",
        // format 2 (tracing)
        "traces_sample_rate", "traces_sampler", "before_send_transaction", "max_spans", "org_id",
        "strict_trace_continuation",
    ]

    /// Runs every scenario of `file` (or only those named in `only`) and returns the result document.
    public static func run(_ file: ScenarioFile, only: Set<String>? = nil) throws(ScenarioError) -> SentryJSONObject {
        for v in [
            "SENTRY_DSN", "SENTRY_RELEASE", "SENTRY_ENVIRONMENT", "SENTRY_DEBUG", "SENTRY_TRACE", "SENTRY_BAGGAGE",
            "SENTRY_TRACES_SAMPLE_RATE",
        ] {
            unsetenv(v)
        }
        var result: SentryJSONObject = [
            "__meta__": [
                "producer": "sentry-swift-server scenario runner (SentryScenarios)",
                "sdk_version": .string(SentrySDK.version),
                "scenario_file_format": file.format,
            ]
        ]
        for scenario in file.scenarios where only?.contains(scenario.name) ?? true {
            result[scenario.name] = .array(try run(scenario))
        }
        return result
    }

    /// Runs one scenario and returns its normalised records.
    public static func run(_ scenario: ScenarioFile.Scenario) throws(ScenarioError) -> [SentryJSON] {
        SentrySDK.resetForTesting()
        defer { SentrySDK.resetForTesting() }
        let transport = InMemoryTransport()
        SentrySDK.start(options: try options(scenario.initOptions, transport: transport))
        var execution = Execution(transport: transport, scenarioName: scenario.name)
        try SentrySDK.withIsolationScope { (_: Scope) throws(ScenarioError) in
            try execution.run(scenario.ops, standalone: nil)
        }
        SentrySDK.close()
        return execution.output()
    }

    static func options(_ o: SentryJSONObject, transport: InMemoryTransport) throws(ScenarioError) -> SentryOptions {
        let unknown = Set(o.keys).subtracting(knownInitKeys)
        guard unknown.isEmpty else { throw ScenarioError("unknown init option(s): \(unknown.sorted())") }
        var options = SentryOptions(dsn: o["dsn"]?.stringValue ?? "https://public@127.0.0.1:1/1")
        options.release = o["release"]?.stringValue
        options.environment = o["environment"]?.stringValue
        options.dist = o["dist"]?.stringValue
        options.serverName = "oracle-host"
        if let n = o["max_breadcrumbs"]?.intValue { options.maxBreadcrumbs = Int(n) }
        if let a = o["before_send"]?.objectValue { options.beforeSend = Actions.eventCallback(a) }
        if let a = o["before_breadcrumb"]?.objectValue { options.beforeBreadcrumb = Actions.breadcrumbCallback(a) }
        if let r = o["traces_sample_rate"]?.doubleValue { options.tracesSampleRate = r }
        if let spec = o["traces_sampler"]?.objectValue { options.tracesSampler = Actions.sampler(spec) }
        if let a = o["before_send_transaction"]?.objectValue {
            options.beforeSendTransaction = Actions.eventCallback(a)
        }
        if let n = o["max_spans"]?.intValue { options.maxSpans = Int(n) }
        if let org = o["org_id"] { options.orgId = org.stringValue ?? org.intValue.map { String($0) } }
        if let strict = o["strict_trace_continuation"]?.boolValue { options.strictTraceContinuation = strict }
        options.transport = transport
        return options
    }
}
