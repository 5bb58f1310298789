import Sentry
import SentryTestKit
import Foundation
import Testing

/// Crash reporting from Swift: the default cache directory, crash reports of a previous run
/// handed to a custom transport, and the crash handler's per-thread scope registration following
/// the task-local binding. (The crashes themselves: Tests/CrashTests/test_swift_crashes.py runs the
/// demo as a crashing child.)
@Suite(.serialized) struct CrashTests {
    // MARK: - Default cache directory

    @Test func defaultCacheDirectoryPrefersXDGThenHomeThenTmp() throws {
        let dir = try TemporaryDirectory()
        let xdg = dir.path + "/xdg", home = dir.path + "/home", tmp = dir.path + "/tmp"
        for d in [xdg, home, tmp] {
            try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        }
        func path(_ env: [String: String], exe: String = "my-service") -> String? {
            SentryOptions.defaultCacheDirectory(environment: env, userID: 1234, executable: exe)
        }
        #expect(path(["XDG_CACHE_HOME": xdg, "HOME": home]) == xdg + "/sentry-swift/my-service")
        #expect(path(["XDG_CACHE_HOME": xdg + "/", "HOME": home]) == xdg + "/sentry-swift/my-service")
        // relative XDG_CACHE_HOME is ignored (XDG base directory spec); ~/.cache need not exist yet
        #expect(path(["XDG_CACHE_HOME": "relative", "HOME": home]) == home + "/.cache/sentry-swift/my-service")
        // no usable home (unset, or not a directory): $TMPDIR/sentry-swift-<uid>
        #expect(path(["TMPDIR": tmp]) == tmp + "/sentry-swift-1234/my-service")
        let notADirectory = dir.path + "/file"
        #expect(FileManager.default.createFile(atPath: notADirectory, contents: Data("x".utf8)))
        #expect(path(["HOME": notADirectory, "TMPDIR": tmp]) == tmp + "/sentry-swift-1234/my-service")
        // an existing /tmp entry that is not this user's directory: no default (crash reporting off)
        #expect(FileManager.default.createFile(atPath: tmp + "/sentry-swift-99", contents: Data()))
        #expect(SentryOptions.defaultCacheDirectory(environment: ["TMPDIR": tmp], userID: 99, executable: "x") == nil)
        // executable names become safe file names
        #expect(path(["HOME": home], exe: "my app:1") == home + "/.cache/sentry-swift/my_app_1")
        #expect(path(["HOME": home], exe: "") == home + "/.cache/sentry-swift/app")
        #expect(path(["HOME": home], exe: "..") == home + "/.cache/sentry-swift/app")
    }

    @Test func defaultCacheDirectoryOfThisProcess() throws {
        let path = try #require(SentryOptions.defaultCacheDirectory)
        #expect(path.hasPrefix("/"))
        #expect(path.contains("/sentry-swift/") || path.contains("/sentry-swift-\(getuid())/"))
        #expect(!path.hasSuffix("/"))
    }

    @Test func cacheDirectoryDefaultsOnlyForTheHTTPTransport() {
        var options = SentryOptions(dsn: testDSN)
        #expect(options.cacheDirectory == SentryOptions.defaultCacheDirectory)
        options.transport = InMemoryTransport()  // a custom transport: no default, nothing on disk
        #expect(options.cacheDirectory == nil)
        options.cacheDirectory = "/var/cache/app"  // explicit: kept
        #expect(options.cacheDirectory == "/var/cache/app")
        options.transport = nil
        #expect(options.cacheDirectory == "/var/cache/app")
        options.cacheDirectory = nil  // explicit opt-out, also with the HTTP transport
        #expect(options.cacheDirectory == nil)
    }

    // MARK: - A previous run's crash report and a custom transport

    @Test func previousCrashReportIsHandedToTheCustomTransport() async throws {
        let dir = try TemporaryDirectory()
        let eventId = "0123456789abcdef0123456789abcdef"
        let event = #"{"event_id":"\#(eventId)","level":"fatal","platform":"native","tags":{"kind":"test"}}"#
        let envelope = "{\"event_id\":\"\(eventId)\"}\n{\"type\":\"event\",\"length\":\(event.utf8.count)}\n\(event)\n"
        try envelope.write(
            toFile: dir.path + "/00000000000000000001-7-crash.pending", atomically: true, encoding: .utf8)
        try eventId.write(toFile: dir.path + "/cscope-crash.marker", atomically: true, encoding: .utf8)

        try await withStartedSDK({ $0.cacheDirectory = dir.path }) { transport in
            #expect(SentrySDK.crashedLastRun)
            let events = transport.events
            try #require(events.count == 1)
            #expect(events[0].eventId == eventId)
            #expect(events[0].level == .fatal)
            #expect(events[0].tags["kind"] == .string("test"))
            let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("crash") }
            #expect(left.isEmpty, "the report left the cache once handed over: \(left)")
        }
    }

    // MARK: - Scope registration for the crash handler

    @Test func threadRegistrationMovesBackWhenABindingEnds() async {
        await withStartedSDK { _ in
            weak var probe: Scope?
            do {
                let isolation = Scope()
                probe = isolation
                SentrySDK.withScopes(ScopeBinding(isolationScope: isolation, currentScope: Scope())) {
                    SentrySDK.setTag("inside", "1")
                    #expect(SentrySDK.isolationScope === isolation)
                }
            }
            // The crash handler's registration of this thread went back to the outer pair: nothing
            // keeps the inner isolation scope alive any more.
            #expect(probe == nil)
        }
    }

    @Test func nestedBindingsRestoreTheOuterRegistration() async {
        await withStartedSDK { _ in
            weak var outerProbe: Scope?
            weak var innerProbe: Scope?
            do {
                let outer = Scope()
                outerProbe = outer
                SentrySDK.withScopes(ScopeBinding(isolationScope: outer, currentScope: Scope())) {
                    do {
                        let inner = Scope()
                        innerProbe = inner
                        SentrySDK.withScopes(ScopeBinding(isolationScope: inner, currentScope: Scope())) {
                            SentrySDK.setTag("inner", "1")
                        }
                    }
                    #expect(innerProbe == nil, "the inner pair is no longer registered")
                    SentrySDK.setTag("outer", "1")
                }
            }
            #expect(outerProbe == nil, "the outer pair is no longer registered")
        }
    }
}
