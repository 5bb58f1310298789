#if Logging
import Foundation
import Logging
import Sentry
import SentryLogging
import SentryTestKit
import Testing

@Suite struct SentryLogHandlerTests {
    func withSDK(
        _ configure: (inout SentryOptions) -> Void = { _ in }, _ body: (InMemoryTransport) async throws -> Void
    ) async rethrows {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
            configure(&options)
            SentrySDK.start(options: options)
            try await body(transport)
        }
    }

    @Test func linesBecomeBreadcrumbsAndErrorsBecomeEvents() async {
        await withSDK { transport in
            let logger = Logger(label: "app.db") { SentryLogHandler(label: $0, logLevel: .trace) }
            logger.debug("below the breadcrumb level")
            logger.info("connected", metadata: ["host": "db1", "attempt": .stringConvertible(2)])
            logger.warning("slow query", metadata: ["ms": "900", "tags": ["a", "b"]])
            logger.error("query failed", metadata: ["table": "users"])
            let events = transport.events
            #expect(events.count == 1)
            let event = events[0]
            #expect(event.level == .error)
            #expect(event["logger"]?.stringValue == "app.db")
            #expect(event["logentry"]?.objectValue?["formatted"]?.stringValue == "query failed")
            #expect(event.extra["table"]?.stringValue == "users")
            let crumbs = event.breadcrumbs
            #expect(crumbs.map(\.message) == ["connected", "slow query"])
            #expect(crumbs.allSatisfy { $0.type == "log" && $0.category == "app.db" })
            #expect(crumbs[0].level == .info)
            #expect(crumbs[0].data["host"]?.stringValue == "db1")
            #expect(crumbs[0].data["attempt"]?.stringValue == "2")
            #expect(crumbs[1].level == .warning)
            #expect(crumbs[1].data["tags"] == .array(["a", "b"]))
            // The error line itself is a breadcrumb for what comes after it.
            logger.error("second failure")
            #expect(transport.events.last?.breadcrumbs.map(\.message) == ["connected", "slow query", "query failed"])
        }
    }

    @Test func thresholdsAndMetadataProvider() async {
        await withSDK { transport in
            let provider = Logger.MetadataProvider { ["request_id": "r-1"] }
            var logger = Logger(label: "svc") {
                SentryLogHandler(label: $0, breadcrumbLevel: nil, eventLevel: .critical, metadataProvider: provider)
            }
            logger[metadataKey: "handler"] = "h"
            logger.error("not an event: below .critical")
            logger.critical("fatal line")
            let events = transport.events
            #expect(events.count == 1)
            #expect(events[0].level == .fatal)
            #expect(events[0].breadcrumbs.isEmpty)
            #expect(events[0].extra["request_id"]?.stringValue == "r-1")
            #expect(events[0].extra["handler"]?.stringValue == "h")
        }
    }

    /// The log items the transport got, in order.
    func logItems(_ transport: InMemoryTransport) -> [SentryJSONObject] {
        transport.envelopes.flatMap { envelope in
            envelope.items.filter { $0.type == "log" }.flatMap { item -> [SentryJSONObject] in
                guard case .array(let items)? = SentryJSON(parsing: item.payload)?.objectValue?["items"] else {
                    return []
                }
                return items.compactMap(\.objectValue)
            }
        }
    }

    func attribute(_ item: SentryJSONObject, _ key: String) -> SentryJSON? {
        item["attributes"]?.objectValue?[key]?.objectValue?["value"]
    }

    @Test func linesBecomeSentryLogsWithEnableLogs() async throws {
        try await withSDK({
            $0.enableLogs = true; $0.tracesSampleRate = 1
        }) { transport in
            #expect(SentryLogHandler(label: "x", logLevel: .trace).logLevel == .trace)  // logs want every line
            var logger = Logger(label: "app.http") { SentryLogHandler(label: $0, logLevel: .debug) }
            logger[metadataKey: "region"] = "eu"
            logger.trace("below the logger's level: not even handled")
            logger.debug("cache miss", metadata: ["key": "user:1", "ids": ["a", "b"], "n": .stringConvertible(3)])
            let (traceId, spanId) = SentrySDK.withTransaction(name: "GET /", operation: "http.server") { tx in
                logger.notice("inside")
                return (tx.traceId, tx.spanId)
            }
            logger.critical("bad")
            SentrySDK.flush(timeout: .seconds(2))
            let items = logItems(transport)
            try #require(items.count == 3)
            #expect(items.map { $0["level"]?.stringValue } == ["debug", "info", "fatal"])
            let first = items[0]
            #expect(first["body"]?.stringValue == "cache miss")
            #expect(attribute(first, "sentry.origin")?.stringValue == "auto.log.swift_log")
            #expect(attribute(first, "logger.name")?.stringValue == "app.http")
            #expect(attribute(first, "region")?.stringValue == "eu")
            #expect(attribute(first, "key")?.stringValue == "user:1")
            #expect(attribute(first, "ids") == .array(["a", "b"]))
            #expect(attribute(first, "n")?.stringValue == "3")
            #expect(attribute(first, "code.file.path")?.stringValue?.hasSuffix("SentryLogHandlerTests.swift") == true)
            #expect(attribute(first, "code.line.number")?.intValue ?? 0 > 0)
            #expect(attribute(first, "code.function.name")?.stringValue?.contains("linesBecomeSentryLogs") == true)
            #expect(items[1]["trace_id"]?.stringValue == traceId)
            #expect(items[1]["span_id"]?.stringValue == spanId)
            // breadcrumbs and events still work beside logs
            #expect(transport.events.count == 1)
        }
    }

    @Test func withoutEnableLogsNoLogItems() async {
        await withSDK { transport in
            let logger = Logger(label: "quiet") { SentryLogHandler(label: $0) }
            logger.info("a breadcrumb only")
            // swift-log drops what no threshold wants before building the line
            #expect(SentryLogHandler(label: "x", logLevel: .trace).logLevel == .info)
            #expect(
                SentryLogHandler(label: "x", logLevel: .trace, breadcrumbLevel: nil, eventLevel: nil).logLevel
                    == .critical)
            #expect(SentryLogHandler(label: "x", logLevel: .error).logLevel == .error)
            SentrySDK.flush(timeout: .seconds(2))
            #expect(logItems(transport).isEmpty)
        }
    }

    struct PaymentDeclined: Error { var code: Int }

    @Test func aLineWithAnErrorIsCapturedAsThatError() async throws {
        try await withSDK { transport in
            let logger = Logger(label: "payments") { SentryLogHandler(label: $0) }
            logger.error("charge failed", error: PaymentDeclined(code: 51), metadata: ["order": "o-1"])
            let event = try #require(transport.events.first)
            let exception = try #require(event.exceptions.first)
            #expect(exception["type"]?.stringValue?.hasSuffix("PaymentDeclined") == true)
            #expect(exception["stacktrace"]?["frames"]?.arrayValue?.isEmpty == false)
            #expect(event.level == .error)
            #expect(event["logger"]?.stringValue == "payments")
            #expect(event["logentry"]?.objectValue?["formatted"]?.stringValue == "charge failed")
            #expect(event.extra["order"]?.stringValue == "o-1")
        }
    }

    @Test func traceMetadataProviderAddsTheTrace() async {
        await withSDK({ $0.tracesSampleRate = 1 }) { _ in
            let outside = SentryLogHandler.traceMetadataProvider.get()
            #expect(outside["trace_id"]?.description == SentrySDK.currentBinding.isolationScope.traceId)
            #expect(outside["span_id"] == nil)
            SentrySDK.withTransaction(name: "t", operation: "task") { tx in
                let inside = SentryLogHandler.traceMetadataProvider.get()
                #expect(inside["trace_id"]?.description == tx.traceId)
                #expect(inside["span_id"]?.description == tx.spanId)
            }
        }
    }

    /// The SDK's diagnostics sent to a logger that writes to swift-log never come back.
    @Test func diagnosticsDoNotLoopBack() async {
        let box = LoggerBox()
        await withSDK({ options in
            options.enableLogs = true
            options.debug = true
            options.logger = { line in box.write(line) }
            options.beforeSend = { $0.message == "dropped by beforeSend" ? nil : $0 }
        }) { transport in
            box.set(Logger(label: "sdk") { SentryLogHandler(label: $0, breadcrumbLevel: .info, eventLevel: .info) })
            let before = box.written
            SentrySDK.capture(message: "dropped by beforeSend")  // the core reports the drop (debug on)
            #expect(box.written > before)
            SentrySDK.capture(message: "one real event")
            SentrySDK.flush(timeout: .seconds(2))
            #expect(transport.events.count == 1)
            #expect(transport.events.first?.breadcrumbs.isEmpty == true)
            #expect(logItems(transport).isEmpty)
            #expect(box.written > 0)  // diagnostics did reach the swift-log logger
            box.set(nil)
        }
    }
}

/// A swift-log logger the SDK's diagnostics write to (set once the SDK runs).
final class LoggerBox: @unchecked Sendable {
    private let lock = NSLock()
    private var logger: Logger?
    private var count = 0

    func set(_ logger: Logger?) { lock.withLock { self.logger = logger } }
    var written: Int { lock.withLock { count } }

    func write(_ line: String) {
        let logger = lock.withLock { () -> Logger? in
            count += 1
            return self.logger
        }
        logger?.info("\(line)")
    }
}
#endif
