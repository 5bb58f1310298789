import Sentry
import Testing

extension SDKTests {
    @Test func thousandConcurrentIsolationScopesDoNotLeak() async throws {
        try await withStartedSDK { transport in
            SentrySDK.globalScope.setTag("global", "yes")
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<1000 {
                    group.addTask {
                        SentrySDK.withIsolationScope { _ in
                            SentrySDK.setTag("task", String(i))
                            SentrySDK.setUser(User(id: String(i)))
                            SentrySDK.addBreadcrumb(Breadcrumb(message: "crumb \(i)"))
                            SentrySDK.setExtra("n", .int(Int64(i)))
                            SentrySDK.capture(message: "task \(i)")
                        }
                    }
                }
            }
            let events = transport.events
            #expect(events.count == 1000)
            var seen = Set<String>()
            for event in events {
                let i = try #require(event.message?.split(separator: " ").last.map(String.init))
                seen.insert(i)
                #expect(event.tags["task"] == .string(i))
                #expect(event.tags["global"] == "yes")
                #expect(event.user?.id == i)
                #expect(event.extra["n"] == .int(Int64(i)!))
                #expect(event.breadcrumbs.map(\.message) == ["crumb \(i)"])
            }
            #expect(seen.count == 1000)
            // Nothing leaked into the process default isolation scope.
            let defaults = await Task.detached { SentrySDK.isolationScope }.value
            #expect(defaults.json["tags"]?["task"] == nil)
        }
    }

    /// Sibling tasks each inside an async `withIsolationScope`, all suspended inside it at once
    /// (a barrier) and resumed on whatever thread: what one writes never reaches another's events,
    /// nor the parent's isolation scope.
    @Test func asyncIsolationScopesOfSiblingTasksStayApart() async throws {
        try await withStartedSDK { transport in
            let siblings = 16
            let barrier = Barrier(count: siblings)
            await withTaskGroup(of: Void.self) { group in
                for i in 0..<siblings {
                    group.addTask {
                        await SentrySDK.withIsolationScope { _ in
                            SentrySDK.setTag("sibling", String(i))
                            SentrySDK.setTag("only-\(i)", "1")
                            SentrySDK.setUser(User(id: String(i)))
                            SentrySDK.addBreadcrumb(Breadcrumb(message: "before \(i)"))
                            await barrier.arrive()  // every sibling is inside its scope now
                            await Task.yield()
                            SentrySDK.setExtra("n", .int(Int64(i)))
                            SentrySDK.addBreadcrumb(Breadcrumb(message: "after \(i)"))
                            SentrySDK.capture(message: "sibling \(i)")
                        }
                    }
                }
            }
            SentrySDK.capture(message: "parent")
            let events = transport.events
            #expect(events.count == siblings + 1)
            var seen = Set<String>()
            for event in events {
                guard let message = event.message, message.hasPrefix("sibling ") else { continue }
                let i = String(message.dropFirst("sibling ".count))
                seen.insert(i)
                #expect(event.tags["sibling"] == .string(i))
                #expect(event.tags.keys.filter { $0.hasPrefix("only-") } == ["only-\(i)"])
                #expect(event.user?.id == i)
                #expect(event.extra["n"] == .int(Int64(i)!))
                #expect(event.breadcrumbs.map(\.message) == ["before \(i)", "after \(i)"])
            }
            #expect(seen.count == siblings)
            let parent = try #require(events.first { $0.message == "parent" })
            #expect(parent.tags["sibling"] == nil)
            #expect(parent.user == nil)
            #expect(parent.breadcrumbs.isEmpty)
        }
    }

    @Test func scopeSharedByChildTasksLosesNoWrite() async {
        let scope = Scope()
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<8 {
                group.addTask {
                    for k in 0..<250 {
                        scope.setTag("t\(t)-k\(k)", "v")
                        scope.setExtra("e\(t)-\(k)", .int(Int64(k)))
                        if k % 50 == 0 { _ = scope.fork() }
                    }
                }
            }
        }
        #expect(scope.json["tags"]?.objectValue?.count == 2000)
        #expect(scope.json["extra"]?.objectValue?.count == 2000)
    }

    @Test func childTasksShareTheParentsScopes() async throws {
        try await withStartedSDK { transport in
            await SentrySDK.withIsolationScope { _ in
                await withTaskGroup(of: Void.self) { group in
                    for i in 0..<50 { group.addTask { SentrySDK.setTag("child\(i)", "1") } }
                }
                SentrySDK.capture(message: "after children")
            }
            let tags = try #require(transport.events.first).tags
            #expect((0..<50).allSatisfy { tags["child\($0)"] == "1" })
        }
    }
}

/// Suspends callers until `count` of them have arrived, then resumes them all.
private actor Barrier {
    private let count: Int
    private var arrived = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(count: Int) { self.count = count }

    func arrive() async {
        arrived += 1
        if arrived == count {
            waiting.forEach { $0.resume() }
            waiting.removeAll()
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }
}
