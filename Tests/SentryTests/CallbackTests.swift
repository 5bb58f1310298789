import Sentry
import SentryTestKit
import Synchronization
import Testing

extension SDKTests {
    @Test func beforeSendChangesAndDropsEvents() async throws {
        let calls = Atomic<Int>(0)
        await withStartedSDK({ o in
            o.beforeSend = { event in
                calls.add(1, ordering: .relaxed)
                if event.message == "drop me" { return nil }
                var event = event
                event.tags["before_send"] = "ran"
                return event
            }
        }) { transport in
            #expect(SentrySDK.capture(message: "drop me") == .empty)
            #expect(SentrySDK.capture(message: "keep me") != .empty)
            #expect(calls.load(ordering: .relaxed) == 2)
            #expect(transport.events.map(\.message) == ["keep me"])
            #expect(transport.events.first?.tags["before_send"] == "ran")
        }
    }

    @Test func beforeBreadcrumbChangesAndDropsBreadcrumbs() async throws {
        try await withStartedSDK({ o in
            o.beforeBreadcrumb = { crumb in
                if crumb.category == "noise" { return nil }
                var crumb = crumb
                crumb.message = (crumb.message ?? "") + " [seen]"
                crumb.data["added"] = true
                return crumb
            }
        }) { transport in
            SentrySDK.withIsolationScope { _ in
                SentrySDK.addBreadcrumb(Breadcrumb(message: "kept", category: "app"))
                SentrySDK.addBreadcrumb(Breadcrumb(message: "dropped", category: "noise"))
                SentrySDK.capture(message: "crumbs")
            }
            let crumbs = try #require(transport.events.first).breadcrumbs
            #expect(crumbs.map(\.message) == ["kept [seen]"])
            #expect(crumbs.first?.data["added"] == true)
        }
    }

    @Test func eventProcessorsRunInTierOrderAndCanDrop() async throws {
        await withStartedSDK { transport in
            SentrySDK.globalScope.addEventProcessor { event in
                var event = event
                event.tags["trail"] = .string((event.tags["trail"]?.stringValue ?? "") + "g")
                return event
            }
            SentrySDK.withIsolationScope { isolation in
                isolation.addEventProcessor { event in
                    var event = event
                    event.tags["trail"] = .string((event.tags["trail"]?.stringValue ?? "") + "i")
                    return event
                }
                SentrySDK.withScope { current in
                    current.addEventProcessor { event in
                        event.message == "drop"
                            ? nil
                            : {
                                var e = event
                                e.tags["trail"] = .string((e.tags["trail"]?.stringValue ?? "") + "c")
                                return e
                            }()
                    }
                    #expect(SentrySDK.capture(message: "drop") == .empty)
                    SentrySDK.capture(message: "keep")
                }
                SentrySDK.capture(message: "outside current")
            }
            let events = transport.events
            #expect(events.map(\.message) == ["keep", "outside current"])
            #expect(events[0].tags["trail"] == "gic")
            #expect(events[1].tags["trail"] == "gi")
        }
    }

    @Test func processorsOfAPerCaptureScopeDoNotRun() async throws {
        await withStartedSDK { transport in
            let extra = Scope()
            extra.addEventProcessor { _ in nil }
            extra.setTag("from", "extra")
            #expect(SentrySDK.capture(message: "m", scope: extra) != .empty)
            #expect(transport.events.first?.tags["from"] == "extra")
        }
    }

    /// The boxes holding `beforeSend`, `beforeBreadcrumb` and `transport` are released when the
    /// client is closed or replaced. With a `logger`, the core keeps logging through it after
    /// `close()`: that start's boxes go when the next `start()` replaces the logger.
    @Test func callbackContextsAreReleasedWithTheirClient() async {
        await SentryTestSupport.withExclusiveSDK {
            weak var closed: Token?
            do {
                let a = Token()
                closed = a
                var options = plainOptions()
                options.beforeSend = { event in
                    a.touch(); return event
                }
                options.beforeBreadcrumb = { crumb in
                    a.touch(); return crumb
                }
                SentrySDK.start(options: options)
                SentrySDK.addBreadcrumb(Breadcrumb(message: "b"))
                SentrySDK.capture(message: "m")
            }
            #expect(closed != nil)  // in use
            SentrySDK.close()
            #expect(closed == nil)

            weak var replaced: Token?
            do {
                let c = Token()
                replaced = c
                var options = plainOptions()
                options.beforeSend = { event in
                    c.touch(); return event
                }
                SentrySDK.start(options: options)
            }
            #expect(replaced != nil)
            SentrySDK.start(options: plainOptions())  // replaces the client
            #expect(replaced == nil)
            SentrySDK.close()

            weak var logging: Token?
            do {
                let b = Token()
                logging = b
                var options = plainOptions()
                options.logger = { _ in b.touch() }
                options.beforeSend = { event in
                    b.touch(); return event
                }
                SentrySDK.start(options: options)
            }
            SentrySDK.close()
            #expect(logging != nil)  // diagnostics still go to that logger
            SentrySDK.start(options: plainOptions())
            #expect(logging == nil)
            SentrySDK.close()
        }
    }
}

private func plainOptions() -> SentryOptions {
    var options = SentryOptions(dsn: testDSN)
    options.transport = InMemoryTransport()
    return options
}

private final class Token: Sendable {
    func touch() {}
}
