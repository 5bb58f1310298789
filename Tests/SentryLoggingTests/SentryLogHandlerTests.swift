#if Logging
import Logging
import Sentry
import SentryLogging
import SentryTestKit
import Testing

@Suite struct SentryLogHandlerTests {
    func withSDK(_ body: (InMemoryTransport) async throws -> Void) async rethrows {
        try await SentryTestSupport.withExclusiveSDK {
            let transport = InMemoryTransport()
            var options = SentryOptions(dsn: "https://public@127.0.0.1:1/1")
            options.transport = transport
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
}
#endif
