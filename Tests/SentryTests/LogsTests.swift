import Foundation
import Sentry
import SentryTestKit
import Testing

/// The log items of every `log` envelope item the transport got, in order.
func logItems(_ transport: InMemoryTransport) -> [SentryJSONObject] {
    transport.envelopes.flatMap { envelope in
        envelope.items.filter { $0.type == "log" }.flatMap { item -> [SentryJSONObject] in
            guard case .array(let items)? = SentryJSON(parsing: item.payload)?.objectValue?["items"] else { return [] }
            return items.compactMap(\.objectValue)
        }
    }
}

/// `{"value": v, "type": t}` of attribute `key`.
func logAttribute(_ item: SentryJSONObject, _ key: String) -> (value: SentryJSON?, type: String?) {
    let a = item["attributes"]?.objectValue?[key]?.objectValue
    return (a?["value"], a?["type"]?.stringValue)
}

@Suite struct LogsTests {
    @Test func offByDefault() async {
        await withStartedSDK { transport in
            SentrySDK.logger.info("nobody sees this")
            SentrySDK.flush(timeout: .seconds(2))
            #expect(logItems(transport).isEmpty)
        }
    }

    @Test func interpolationKeepsTemplateParametersAndAttributes() async throws {
        try await withStartedSDK({
            $0.enableLogs = true; $0.environment = "staging"
        }) { transport in
            let orderId = 42
            let method = "card"
            SentrySDK.logger.warn(
                "Order \(orderId) paid with \(method) (\(9.5), \(true))",
                attributes: ["cart.items": 3, "ids": .stringArray(["a", "b"])])
            SentrySDK.logger.info("plain line")
            SentrySDK.flush(timeout: .seconds(2))
            let items = logItems(transport)
            try #require(items.count == 2)
            let item = items[0]
            #expect(item["body"]?.stringValue == "Order 42 paid with card (9.5, true)")
            #expect(item["level"]?.stringValue == "warn")
            #expect(item["severity_number"]?.intValue == 13)
            #expect(
                logAttribute(item, "sentry.message.template").value?.stringValue == "Order {0} paid with {1} ({2}, {3})"
            )
            #expect(logAttribute(item, "sentry.message.parameter.0").value?.intValue == 42)
            #expect(logAttribute(item, "sentry.message.parameter.0").type == "integer")
            #expect(logAttribute(item, "sentry.message.parameter.1").value?.stringValue == "card")
            #expect(logAttribute(item, "sentry.message.parameter.2").type == "double")
            #expect(logAttribute(item, "sentry.message.parameter.3").type == "boolean")
            #expect(logAttribute(item, "cart.items").value?.intValue == 3)
            #expect(logAttribute(item, "ids").type == "array")
            #expect(logAttribute(item, "sentry.sdk.name").value?.stringValue == "sentry.swift.server")
            #expect(logAttribute(item, "sentry.sdk.version").value?.stringValue == SentrySDK.version)
            #expect(logAttribute(item, "sentry.environment").value?.stringValue == "staging")
            #expect(logAttribute(item, "sentry.release").value?.stringValue == "test@1.0")
            #expect(logAttribute(item, "sentry.origin").value == nil)  // direct API use has no origin
            #expect(item["trace_id"]?.stringValue == SentrySDK.currentBinding.isolationScope.traceId)
            #expect(item["span_id"] == nil)
            let plain = items[1]
            #expect(plain["body"]?.stringValue == "plain line")
            #expect(logAttribute(plain, "sentry.message.template").value == nil)
        }
    }

    @Test func linesCarryTheirTasksSpanAndTrace() async throws {
        try await withStartedSDK({
            $0.enableLogs = true; $0.tracesSampleRate = 1
        }) { transport in
            let expected: [(String, String, String)] = await withTaskGroup(of: (String, String, String).self) { group in
                for i in 0..<50 {
                    group.addTask {
                        await SentrySDK.withIsolationScope { _ in
                            await SentrySDK.withTransaction(name: "job \(i)", operation: "task") { tx in
                                await SentrySDK.withSpan(operation: "step") { span in
                                    await Task.yield()  // the binding survives a suspension
                                    SentrySDK.logger.info("job \(i)")
                                    return ("job \(i)", span.traceId, span.spanId)
                                }
                            }
                        }
                    }
                }
                var out: [(String, String, String)] = []
                for await r in group { out.append(r) }
                return out
            }
            SentrySDK.flush(timeout: .seconds(5))
            let items = logItems(transport)
            try #require(items.count == 50)
            let byBody = Dictionary(uniqueKeysWithValues: items.map { ($0["body"]!.stringValue!, $0) })
            for (body, traceId, spanId) in expected {
                #expect(byBody[body]?["trace_id"]?.stringValue == traceId)
                #expect(byBody[body]?["span_id"]?.stringValue == spanId)
            }
            #expect(Set(expected.map(\.1)).count == 50)  // each task its own trace
        }
    }

    @Test func beforeSendLogEditsAndDrops() async throws {
        try await withStartedSDK({ options in
            options.enableLogs = true
            options.beforeSendLog = { log in
                if log.body.contains("secret") { return nil }
                var log = log
                log.attributes["checked"] = true
                log.body = log.body.uppercased()
                SentrySDK.logger.error("logged inside beforeSendLog: dropped, never loops")
                return log
            }
        }) { transport in
            SentrySDK.logger.info("hello")
            SentrySDK.logger.info("a secret line")
            SentrySDK.flush(timeout: .seconds(2))
            let items = logItems(transport)
            try #require(items.count == 1)
            #expect(items[0]["body"]?.stringValue == "HELLO")
            #expect(logAttribute(items[0], "checked").value == .bool(true))
            #expect(logAttribute(items[0], "checked").type == "boolean")
            #expect(logAttribute(items[0], "sentry.sdk.name").type == "string")  // the rest kept as it was
        }
    }

    @Test func batchesOfAtMost100GoOutAtClose() async throws {
        await withStartedSDK({ $0.enableLogs = true }) { transport in
            for i in 0..<230 { SentrySDK.logger.debug("line \(i)") }
            SentrySDK.close()
            let payloadSizes = transport.envelopes.flatMap { $0.items.filter { $0.type == "log" } }.map { item in
                (SentryJSON(parsing: item.payload)?.objectValue?["items"]).map { value -> Int in
                    if case .array(let a) = value { return a.count } else { return 0 }
                } ?? 0
            }
            #expect(payloadSizes.reduce(0, +) == 230)
            #expect(payloadSizes.allSatisfy { $0 <= 100 })
            #expect(logItems(transport).map { $0["body"]?.stringValue } == (0..<230).map { "line \($0)" })
        }
    }

    @Test func userAttributesOnlyWithSendDefaultPii() async throws {
        for pii in [false, true] {
            await withStartedSDK({
                $0.enableLogs = true; $0.sendDefaultPii = pii
            }) { transport in
                SentrySDK.setUser(User(id: "u-1", email: "a@example.com"))
                SentrySDK.logger.info("who")
                SentrySDK.flush(timeout: .seconds(2))
                let item = logItems(transport).first
                #expect(logAttribute(item ?? [:], "user.id").value?.stringValue == (pii ? "u-1" : nil))
                #expect(logAttribute(item ?? [:], "user.email").value?.stringValue == (pii ? "a@example.com" : nil))
            }
        }
    }

    /// Every item the Swift API makes passes the logs protocol check the C tests use
    /// (Tests/CScopeCoreTests/logs_schema.py).
    @Test func itemsFollowTheLogsProtocol() async throws {
        let dir = try TemporaryDirectory()
        await withStartedSDK({
            $0.enableLogs = true; $0.tracesSampleRate = 1; $0.serverName = "host-a"
        }) { transport in
            SentrySDK.logger.trace(
                "t \(1) \("two") \(3.0) \(false)", attributes: ["a": .integerArray([1, 2]), "b": .doubleArray([])])
            SentrySDK.withTransaction(name: "tx", operation: "task") { _ in
                SentrySDK.logger.fatal("inside a transaction", attributes: ["nan": .double(.nan), "s": "x"])
            }
            for level in SentryLog.Level.allCases { SentrySDK.logger.log(level, "level \(level.rawValue)") }
            SentrySDK.flush(timeout: .seconds(2))
            var n = 0
            for envelope in transport.envelopes {
                for item in envelope.items where item.type == "log" {
                    n += 1
                    let url = URL(fileURLWithPath: dir.path).appendingPathComponent(String(format: "%03d-log.json", n))
                    try? Data(item.payload).write(to: url)
                }
            }
            #expect(n >= 1)
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("CScopeCoreTests/logs_schema.py").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, dir.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(output)")
    }
}
