#if canImport(Foundation)
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import CScopeCore
import CScopeCoreSPI
@testable import Sentry
import Testing

// Stack traces and exceptions built from Swift errors (Sources/Sentry/Stacktrace). These call
// the internal API directly; frames are checked by function name, file and line, so the test
// functions below must stay synchronous and keep their names.

private struct CardDeclined: Error, CustomStringConvertible {
    var code: Int
    var description: String { "card declined (\(code))" }
}

private enum StorageFault: Error { case diskFull(bytes: Int), readOnly }

#if canImport(Foundation)
private struct Localized: LocalizedError {
    var errorDescription: String? { "The order could not be saved." }
}
#endif

private struct CheckoutFailed: SentryUnderlyingError {
    var causes: [any Error]
    var underlyingErrors: [any Error] { causes }
}

private struct Item: Decodable { var price: Int }

@inline(never) private func stacktraceFromHelper() -> [SentryJSON] {
    let frames = sentryStacktrace()
    return frames
}

@inline(never) private func outerHelper() -> [SentryJSON] {
    let frames = stacktraceFromHelper()
    return frames
}

/// The same capture site every time (for the cache test).
@inline(never) private func captureAtFixedSite() -> CapturedStacktrace {
    let captured = captureStacktrace()
    return captured
}

private func function(_ frame: SentryJSON?) -> String { frame?.objectValue?["function"]?.stringValue ?? "" }

private func lastIndex(_ frames: [SentryJSON], containing name: String) -> Int? {
    frames.lastIndex { function($0).contains(name) }
}

@Suite struct StacktraceTests {
    @Test func innermostFrameIsTheCallerWithFileAndLine() throws {
        let line = #line + 1
        let frames = sentryStacktrace()
        let last = try #require(frames.last?.objectValue)
        #expect(last["function"]?.stringValue?.contains("innermostFrameIsTheCallerWithFileAndLine") == true)
        #expect(last["abs_path"]?.stringValue == #filePath)
        #expect(last["filename"]?.stringValue == "Tests/SentryTests/StacktraceTests.swift")
        #expect(last["lineno"]?.intValue == Int64(line))
        #expect(last["in_app"] == .bool(true))
        #expect(last["package"]?.stringValue == LoadedImages.mainExecutablePath)
        #expect(last["instruction_addr"]?.stringValue?.hasPrefix("0x") == true)
        // The SDK's own frames are trimmed.
        #expect(
            !frames.contains { function($0).contains("sentryStacktrace") || function($0).contains("captureStacktrace") }
        )
    }

    @Test func framesAreOldestFirst() throws {
        let frames = outerHelper()
        let inner = try #require(lastIndex(frames, containing: "stacktraceFromHelper"))
        let outer = try #require(lastIndex(frames, containing: "outerHelper"))
        let test = try #require(lastIndex(frames, containing: "framesAreOldestFirst"))
        #expect(inner == frames.count - 1)
        #expect(test < outer && outer < inner)
    }

    @Test func skipDropsTheCallersFrames() throws {
        let all = sentryStacktrace()
        let skipped = sentryStacktrace(skip: 1)
        #expect(function(all.last).contains("skipDropsTheCallersFrames"))
        // The test function's frame is gone; the one that called it (same in both) is last.
        #expect(skipped.count == all.count - 1)
        #expect(skipped.last == all.dropLast().last)
    }

    @Test func runtimeAndSystemFramesAreNotInApp() {
        let frames = sentryStacktrace()
        let system = frames.filter { frame in
            let package = frame.objectValue?["package"]?.stringValue ?? ""
            return package.contains("libc.so") || package.contains("libswift")
        }
        #expect(!system.isEmpty)
        for frame in system { #expect(frame.objectValue?["in_app"] == .bool(false)) }
        // File and line are looked up for in-app frames only (each lookup costs ~1 ms).
        for frame in frames where frame.objectValue?["in_app"] == .bool(false) {
            #expect(frame.objectValue?["lineno"] == nil)
        }
    }

    // MARK: - exceptions

    @Test(.disabled(if: sanitizerRun, "innermost frame: checked in the plain run"))
    func singleErrorHasTypeValueModuleMechanismAndFrames() throws {
        let line = #line + 1
        let values = exceptionValues(ofEvent: StacktraceEvents.errorEvent(CardDeclined(code: 51)))
        #expect(values.count == 1)
        let exception = try #require(values.first?.objectValue)
        #expect(exception["type"] == "SentryTests.CardDeclined")
        #expect(exception["value"] == "card declined (51)")
        #expect(exception["module"] == "SentryTests")
        #expect(exception["mechanism"] == ["type": "generic", "handled": true])
        let frames = try #require(exception["stacktrace"]?.objectValue?["frames"]?.arrayValue)
        let last = try #require(frames.last?.objectValue)
        #expect(last["function"]?.stringValue?.contains("singleErrorHasTypeValueModuleMechanismAndFrames") == true)
        #expect(last["lineno"]?.intValue == Int64(line))
        #expect(last["in_app"] == .bool(true))
    }

    @Test func valuesOfEnumsLocalizedAndPrivateTypes() {
        #expect(fields(StorageFault.diskFull(bytes: 10))["value"] == "diskFull(bytes: 10)")
        #expect(fields(StorageFault.readOnly)["value"] == "readOnly")
        #expect(fields(StorageFault.readOnly)["type"] == "SentryTests.StorageFault")
        struct Local: Error {}
        let local = fields(Local())
        #expect(local["type"]?.stringValue?.contains("unknown context") == false)
        #expect(local["module"] == "SentryTests")
        #if canImport(Foundation)
        #expect(fields(Localized())["value"] == "The order could not be saved.")
        #endif
    }

    @Test func chainedErrorsBecomeAnExceptionGroup() throws {
        var decodingError: any Error = StorageFault.readOnly
        do {
            _ = try JSONDecoder().decode(Item.self, from: Data(#"{"price": "free"}"#.utf8))
        } catch { decodingError = error }
        let error = CheckoutFailed(causes: [CardDeclined(code: 5), CheckoutFailed(causes: [decodingError])])
        let values = try exceptionValues(ofEvent: StacktraceEvents.errorEvent(error)).map {
            try #require($0.objectValue)
        }

        // Depth-first ids from the captured error (0), listed in reverse: the captured error last.
        #expect(values.count == 4)
        let ids = values.map { $0["mechanism"]?.objectValue?["exception_id"]?.intValue }
        #expect(ids == [3, 2, 1, 0])
        let root = values[3], card = values[2], inner = values[1], decoding = values[0]
        #expect(root["type"] == "SentryTests.CheckoutFailed")
        #expect(root["mechanism"]?.objectValue?["is_exception_group"] == .bool(true))
        #expect(root["mechanism"]?.objectValue?["parent_id"] == nil)
        #expect(root["mechanism"]?.objectValue?["type"] == "generic")
        #expect(root["stacktrace"] != nil)

        #expect(card["type"] == "SentryTests.CardDeclined")
        #expect(card["mechanism"]?.objectValue?["parent_id"] == .int(0))
        #expect(card["mechanism"]?.objectValue?["source"] == "underlyingErrors[0]")
        #expect(card["mechanism"]?.objectValue?["type"] == "chained")
        #expect(card["stacktrace"] == nil)

        #expect(inner["mechanism"]?.objectValue?["parent_id"] == .int(0))
        #expect(inner["mechanism"]?.objectValue?["source"] == "underlyingErrors[1]")
        #expect(inner["mechanism"]?.objectValue?["is_exception_group"] == nil)  // one cause: a chain link

        #expect(decoding["type"] == "Swift.DecodingError")
        #expect(decoding["mechanism"]?.objectValue?["parent_id"] == .int(2))
        #expect(decoding["value"]?.stringValue?.hasPrefix("typeMismatch") == true)
        #expect(decoding["value"]?.stringValue?.hasSuffix("(at price)") == true)
    }

    @Test func decodingErrorContextsAreFollowed() throws {
        let context = DecodingError.Context(
            codingPath: [], debugDescription: "bad", underlyingError: CardDeclined(code: 1))
        let values = exceptionValues(for: DecodingError.dataCorrupted(context))
        #expect(values.count == 2)
        #expect(values.first?.objectValue?["type"] == "SentryTests.CardDeclined")
        #expect(values.first?.objectValue?["mechanism"]?.objectValue?["source"] == "underlyingError")
        #expect(values.last?.objectValue?["value"] == "dataCorrupted: bad")
    }

    #if canImport(Foundation)
    @Test func nsUnderlyingErrorIsFollowed() throws {
        let inner = NSError(domain: "db", code: 7)
        let outer = NSError(domain: "api", code: 1, userInfo: [NSUnderlyingErrorKey: inner])
        let values = exceptionValues(for: outer)
        #expect(values.count == 2)
        #expect(values.first?.objectValue?["mechanism"]?.objectValue?["source"] == "NSUnderlyingError")
        #expect(values.first?.objectValue?["value"]?.stringValue?.contains("db") == true)
        #expect(values.last?.objectValue?["type"] == "Foundation.NSError")
        let multiple = NSError(domain: "api", code: 2, userInfo: ["NSMultipleUnderlyingErrorsKey": [inner, inner]])
        let group = exceptionValues(for: multiple)
        #expect(group.count == 3)
        #expect(group.last?.objectValue?["mechanism"]?.objectValue?["is_exception_group"] == .bool(true))
    }
    #endif

    @Test func chainsAreBounded() {
        var error: any Error = CardDeclined(code: 0)
        for _ in 0..<50 { error = CheckoutFailed(causes: [error]) }
        #expect(exceptionValues(for: error).count == ErrorChain.maxDepth + 1)
        let wide = CheckoutFailed(causes: Array(repeating: CardDeclined(code: 1), count: 40))
        #expect(exceptionValues(for: wide).count == ErrorChain.maxExceptions)
    }

    // MARK: - in_app rules and names

    @Test func inAppRules() {
        let rules = InAppRules(include: ["Plugins", "libVendor.so"], exclude: ["MyApp.Generated"])
        #expect(rules.classify(module: "MyApp", imagePath: "/srv/app", isMainExecutable: true) == true)
        #expect(rules.classify(module: "NIOPosix", imagePath: "/srv/app", isMainExecutable: true) == false)
        #expect(rules.classify(module: "FoundationEssentials", imagePath: "/srv/app", isMainExecutable: true) == false)
        #expect(rules.classify(module: "Sentry", imagePath: "/srv/app", isMainExecutable: true) == false)
        #expect(rules.classify(module: "MyApp.Generated", imagePath: "/srv/app", isMainExecutable: true) == false)
        #expect(rules.classify(module: "Plugins", imagePath: "/opt/p/libPlugins.so", isMainExecutable: false) == true)
        #expect(rules.classify(module: nil, imagePath: "/opt/v/libVendor.so", isMainExecutable: false) == true)
        #expect(rules.classify(module: nil, imagePath: "/opt/other/libOther.so", isMainExecutable: false) == nil)
        #expect(
            rules.classify(module: nil, imagePath: "/usr/lib/x86_64-linux-gnu/libc.so.6", isMainExecutable: false)
                == false)
        #expect(
            rules.classify(
                module: "Swift", imagePath: "/opt/swift/usr/lib/swift/linux/libswiftCore.so", isMainExecutable: false)
                == false)
        #expect(
            InAppRules(include: ["NIOCore"]).classify(module: "NIOCore", imagePath: nil, isMainExecutable: true) == true
        )
    }

    @Test func moduleOfMangledNames() {
        #expect(SwiftSymbolName.module(ofMangled: "$s6Sentry16sentryStacktraceyS2iF") == "Sentry")
        #expect(SwiftSymbolName.module(ofMangled: "_$s11SentryTests3fooyyF") == "SentryTests")
        #expect(SwiftSymbolName.module(ofMangled: "$ss5print_9separator10terminatoryypd_S2StF") == "Swift")
        #expect(SwiftSymbolName.module(ofMangled: "main") == nil)
        #expect(SwiftSymbolName.module(ofMangled: "_ZN3foo3barEv") == nil)
        #expect(SwiftSymbolName.stableTypeName("App.(unknown context at $55d1c0a8).Hidden") == "App.Hidden")
    }
}

/// The cache tests run one at a time: loading a library empties the cache for everyone.
@Suite(.serialized) struct StacktraceCacheTests {
    @Test func repeatedCaptureHitsTheCache() throws {
        SymbolCache.shared.removeAllSymbols()
        var captures: [CapturedStacktrace] = []
        for _ in 0..<3 { captures.append(captureAtFixedSite()) }
        #expect(captures[0].cacheMisses > 0)
        #expect(captures[0].sourceLookups >= 1)  // file and line for the in-app frames
        #expect(!captures[0].sourceFallback)  // found by re-capturing just those frames
        #expect(!captures[0].fromCache)
        for again in captures.dropFirst() {
            #expect(again.cacheMisses == 0)
            #expect(again.sourceLookups == 0)
            #expect(again.cacheHits > 0)
            // Walked by frame pointers and built from the cache, without a Backtrace capture.
            #expect(again.fromCache)
            // Same frames but for the caller's return address in the loop, which is the same too.
            #expect(again.frames == captures[0].frames)
        }
        #expect(function(captures[0].frames.last).contains("captureAtFixedSite"))
    }

    @Test func loadingAnImageInvalidatesTheImageMap() throws {
        let generation = csc_image_generation()
        #expect(generation > 0)
        #expect(generation == csc_image_generation())
        // A library this process has not loaded yet (glibc ships them all).
        let candidates = ["libanl.so.1", "libBrokenLocale.so.1", "libnss_files.so.2", "libutil.so.1"]
        guard let name = candidates.first(where: { dlopen($0, RTLD_NOW | RTLD_NOLOAD) == nil }),
            dlopen(name, RTLD_NOW | RTLD_LOCAL) != nil
        else { return }
        // Not dlclosed: tests run in parallel, and a library unloaded while another thread
        // symbolicates with an image map that still lists it loses that thread's symbols.
        #expect(csc_image_generation() != generation)
        let loads = SymbolCache.shared.imageMapLoads
        _ = sentryStacktrace()
        // At least once: the SDK's warm-up (another test's SentrySDK.start) may read it too.
        let reloaded = SymbolCache.shared.imageMapLoads
        #expect(reloaded >= loads + 1)
        _ = sentryStacktrace()
        #expect(SymbolCache.shared.imageMapLoads == reloaded)
    }
}

/// The same capture site every time, `depth` frames down (the equivalence tests).
@inline(never) private func captureAtFixedSite(depth: Int, inApp: InAppRules = InAppRules()) -> CapturedStacktrace {
    var captured = CapturedStacktrace(cacheHits: 0, cacheMisses: 0, sourceLookups: 0)
    nested(depth) { captured = captureStacktrace(inApp: inApp) }
    return captured
}

/// A capture after a suspension: its callers come from the async context chain.
@inline(never) private func captureAfterAwait() async -> CapturedStacktrace {
    await Task.yield()
    let captured = captureStacktrace()
    return captured
}

@inline(never) private func awaitingCaller() async -> CapturedStacktrace {
    let captured = await captureAfterAwait()
    return captured
}

/// `exception.values` of an event built by `StacktraceEvents.errorEvent` (consumed), as Swift values.
private func exceptionValues(ofEvent event: UnsafeMutablePointer<json_t>?) -> [SentryJSON] {
    guard let event else { return [] }
    defer { json_decref(event) }
    return SentryJSON(jansson: event)["exception"]?["values"]?.arrayValue ?? []
}

/// `exception.values` for `error` without a stack trace, as events get them, as Swift values.
private func exceptionValues(for error: any Error) -> [SentryJSON] {
    guard let values = exceptionValuesJansson(for: error, stacktrace: nil) else { return [] }
    defer { json_decref(values) }
    return SentryJSON(jansson: values).arrayValue ?? []
}

/// `type`, `value`, `module` (and `mechanism`) of the exception of a lone `error`.
private func fields(_ error: any Error) -> SentryJSONObject {
    exceptionValues(for: error).last?.objectValue ?? [:]
}

/// Everything a capture puts in an event: frames (fresh and, for a kept stack, shared), their
/// in_app and the addresses for debug_meta.
private func expectSameStack(
    _ cached: CapturedStacktrace, _ uncached: CapturedStacktrace,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(cached.frames == uncached.frames, sourceLocation: sourceLocation)
    #expect(cached.inApp == uncached.inApp, sourceLocation: sourceLocation)
    #expect(cached.addresses == uncached.addresses, sourceLocation: sourceLocation)
    // `{"frames": [...]}` and `{"images": [...]}` (shared when the stack was kept by the cache).
    let a = cached.makeJanssonStacktrace(), b = uncached.makeJanssonStacktrace()
    let metaA = cached.makeDebugMeta(), metaB = uncached.makeDebugMeta()
    defer { json_decref(a); json_decref(b); json_decref(metaA); json_decref(metaB) }
    #expect(a.map { janssonDump($0) } == b.map { janssonDump($0) }, sourceLocation: sourceLocation)
    #expect(metaA.map { janssonDump($0) } == metaB.map { janssonDump($0) }, sourceLocation: sourceLocation)
    #expect(metaA != nil, sourceLocation: sourceLocation)
}

/// The cached path (frame-pointer walk, frames and whole stacks from the cache) gives exactly
/// what the uncached path (Runtime's `Backtrace`, symbolication) gave. In the serialized cache
/// suite: loading a library (the test above) changes the image map, and a capture made while
/// images change names only what the map it read lists.
extension StacktraceCacheTests {
    @Test func repeatedCapturesEqualTheFirst() throws {
        for depth in [0, 28] {
            SymbolCache.shared.removeAllSymbols()
            var captures: [CapturedStacktrace] = []
            for _ in 0..<4 { captures.append(captureAtFixedSite(depth: depth)) }
            #expect(!captures[0].fromCache)
            #expect(captures[0].cacheMisses > 0)
            #expect(captures[0].frames.count >= depth + 2)
            #expect(function(captures[0].frames.last).contains("captureAtFixedSite"))
            for again in captures.dropFirst() {
                #expect(again.fromCache)
                expectSameStack(again, captures[0])
            }
        }
    }

    @Test func inAppRulesApplyToCachedStacks() throws {
        var results: [CapturedStacktrace] = []
        for rules in [InAppRules(), InAppRules(), InAppRules(exclude: ["SentryTests"])] {
            results.append(captureAtFixedSite(depth: 2, inApp: rules))  // one call site
        }
        let plain = results[1], excluded = results[2]
        #expect(plain.fromCache)
        #expect(excluded.fromCache)
        #expect(excluded.frames.count == plain.frames.count)
        // The test's own frames were in-app; excluded now, although the addresses are cached.
        let mine = plain.frames.indices.filter { plain.inApp[$0] == 1 }
        #expect(!mine.isEmpty)
        for i in mine { #expect(excluded.inApp[i] == 0) }
    }

    @Test func asyncCallersThroughTheCacheEqualTheFirst() async throws {
        SymbolCache.shared.removeAllSymbols()
        var captures: [CapturedStacktrace] = []
        for _ in 0..<4 { captures.append(await awaitingCaller()) }
        let first = captures[0]
        #expect(!first.fromCache)
        // The awaiting callers are there (found through the async context chain).
        #expect(first.frames.contains { function($0).contains("awaitingCaller") })
        #expect(first.frames.contains { function($0).contains("asyncCallersThroughTheCacheEqualTheFirst") })
        for again in captures.dropFirst() {
            expectSameStack(again, first)
        }
        #expect(captures.dropFirst().contains { $0.fromCache })
    }

    @Test func capturedEventsCarryTheSameFramesEachTime() async throws {
        await withStartedSDK { transport in
            SymbolCache.shared.removeAllSymbols()
            for i in 0..<3 { nested(5) { SentrySDK.capture(error: PaymentFailure.insufficientFunds(cents: i)) } }
            for _ in 0..<3 { nested(5) { SentrySDK.capture(message: "again") } }
            let events = transport.events
            #expect(events.count == 6)
            let errors = events.prefix(3).map { exceptionFrames($0) }
            let threads = events.suffix(3).map { threadFrames($0) }
            #expect(errors[0].count >= 7)
            #expect(threads[0].count >= 7)
            for frames in errors.dropFirst() { #expect(frames == errors[0]) }
            for frames in threads.dropFirst() { #expect(frames == threads[0]) }
            let debugMeta = events.prefix(3).map { $0.raw["debug_meta"] }
            #expect(debugMeta[0] != nil)
            for meta in debugMeta.dropFirst() { #expect(meta == debugMeta[0]) }
        }
    }
}

// MARK: - stack traces through the capture API

private enum PaymentFailure: Error { case insufficientFunds(cents: Int) }

/// Frames of an event's first exception (the captured error is the last one in the list).
private func exceptionFrames(_ event: Event?) -> [SentryJSONObject] {
    let values = event?.exceptions ?? []
    return (values.last?["stacktrace"]?["frames"]?.arrayValue ?? []).compactMap(\.objectValue)
}

/// Frames of an event's current thread (`attachStacktrace`).
private func threadFrames(_ event: Event?) -> [SentryJSONObject] {
    let thread = event?.raw["threads"]?["values"]?.arrayValue?.first
    return (thread?["stacktrace"]?["frames"]?.arrayValue ?? []).compactMap(\.objectValue)
}

private func module(of frame: SentryJSONObject?) -> String? {
    (frame?["symbol"]?.stringValue).flatMap(SwiftSymbolName.module(ofMangled:))
}

/// Captures from one level down (frame order test) and returns the line of the capture call.
@inline(never) private func checkoutHelper() -> Int {
    let line = #line + 1
    SentrySDK.capture(error: PaymentFailure.insufficientFunds(cents: 250))
    return line
}

/// Throws a traced error after a suspension (the line of the `throw` is `tracedThrowLine`).
private let tracedThrowLine = #line + 4
@inline(never) private func chargeCard() async throws {
    await Task.yield()
    if tracedThrowLine > 0 {
        throw SentryTracedError(PaymentFailure.insufficientFunds(cents: 99))
    }
}

/// `depth` nested calls, then `body` (a ~30-frame stack for the cost measurement).
@inline(never) private func nested(_ depth: Int, _ body: () -> Void) {
    if depth == 0 { body() } else { nested(depth - 1, body) }
    withExtendedLifetime(depth) {}
}

/// The GNU build id of the running test executable, as `readelf -n` prints it; nil when
/// readelf is missing.
private func buildIdOfThisExecutable() -> String? {
    #if canImport(Foundation)
    guard let exe = LoadedImages.mainExecutablePath,
        let readelf = ["/usr/bin/readelf", "/bin/readelf"].first(where: {
            FileManager.default.isExecutableFile(atPath: $0)
        })
    else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: readelf)
    process.arguments = ["-n", exe]
    let pipe = Pipe()
    process.standardOutput = pipe
    guard (try? process.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    guard let r = text.range(of: "Build ID: ") else { return nil }
    return String(text[r.upperBound...].prefix { $0.isHexDigit })
    #else
    return nil
    #endif
}

private func hexValue(_ json: SentryJSON?) -> UInt64? {
    guard let s = json?.stringValue, s.hasPrefix("0x") else { return nil }
    return UInt64(s.dropFirst(2), radix: 16)
}

@Suite struct CaptureStacktraceTests {
    @Test func capturedErrorEndsAtTheCallSite() async throws {
        try await withStartedSDK { transport in
            let line = #line + 1
            SentrySDK.capture(error: PaymentFailure.insufficientFunds(cents: 250))
            let event = try #require(transport.events.first)
            let exception = try #require(event.exceptions.last)
            #expect(exception["type"] == "SentryTests.PaymentFailure")
            #expect(exception["value"] == "insufficientFunds(cents: 250)")
            #expect(exception["module"] == "SentryTests")
            #expect(exception["mechanism"] == ["type": "generic", "handled": true])
            let frames = exceptionFrames(event)
            let last = try #require(frames.last)
            #expect(last["function"]?.stringValue?.contains("capturedErrorEndsAtTheCallSite") == true)
            #expect(last["abs_path"]?.stringValue == #filePath)
            #expect(last["lineno"]?.intValue == Int64(line))
            #expect(last["in_app"] == .bool(true))
            // The SDK's frames (capture(error:), the event builder, the unwinder) are trimmed.
            #expect(module(of: last) == "SentryTests")
            for sdk in ["capture(error:", "StacktraceEvents", "captureStacktrace", "Backtrace"] {
                #expect(!frames.contains { ($0["function"]?.stringValue ?? "").contains(sdk) })
            }
            // Swift runtime and libc frames are not the application's.
            let runtime = frames.filter { frame in
                let package = frame["package"]?.stringValue ?? ""
                return package.contains("libswift") || package.contains("libc.so")
            }
            #expect(!runtime.isEmpty)
            for frame in runtime { #expect(frame["in_app"] == .bool(false)) }
            for frame in frames where module(of: frame) == "Swift" || module(of: frame) == "Testing" {
                #expect(frame["in_app"] == .bool(false))
            }
        }
    }

    @Test func framesAreOldestFirstThroughCapture() async throws {
        try await withStartedSDK { transport in
            let line = checkoutHelper()
            let frames = exceptionFrames(transport.events.first)
            let helper = try #require(
                frames.lastIndex { ($0["function"]?.stringValue ?? "").contains("checkoutHelper") })
            let test = try #require(
                frames.lastIndex { ($0["function"]?.stringValue ?? "").contains("framesAreOldestFirstThroughCapture") })
            #expect(helper == frames.count - 1)
            #expect(test < helper)
            #expect(frames[helper]["lineno"]?.intValue == Int64(line))
        }
    }

    @Test func scopeCaptureAndChainedErrorsCarryTheTrace() async throws {
        try await withStartedSDK { transport in
            let error = CheckoutFailed(causes: [CardDeclined(code: 5), StorageFault.readOnly])
            let line = #line + 1
            SentrySDK.currentScope.capture(error: error) { $0.setTag("via", "scope") }
            let event = try #require(transport.events.first)
            #expect(event.tags["via"] == "scope")
            let values = event.exceptions
            #expect(
                values.map { $0["type"]?.stringValue } == [
                    "SentryTests.StorageFault", "SentryTests.CardDeclined",
                    "SentryTests.CheckoutFailed",
                ])
            #expect(values.map { $0["mechanism"]?["exception_id"]?.intValue } == [2, 1, 0])
            #expect(values.map { $0["mechanism"]?["parent_id"]?.intValue } == [0, 0, nil])
            #expect(values.last?["mechanism"]?["is_exception_group"] == .bool(true))
            #expect(values.last?["mechanism"]?["type"] == "generic")
            #expect(values.first?["mechanism"]?["type"] == "chained")
            #expect(values.dropLast().allSatisfy { $0["stacktrace"] == nil })  // only the captured error has one
            let last = try #require(exceptionFrames(event).last)
            #expect(last["lineno"]?.intValue == Int64(line))
            #expect(last["abs_path"]?.stringValue == #filePath)
        }
    }

    @Test func inAppExcludeAndIncludeComeFromOptions() async throws {
        // The concurrency runtime runs every task, so its image is always on the stack: include
        // it by image file name (a module name works the same way, see inAppRules()).
        let runtime = "libswift_Concurrency.so"
        func isRuntime(_ frame: SentryJSONObject) -> Bool {
            frame["package"]?.stringValue?.hasSuffix("/" + runtime) == true
        }
        await withStartedSDK({
            $0.inAppExclude = ["SentryTests"]; $0.inAppInclude = [runtime]
        }) { transport in
            SentrySDK.capture(error: StorageFault.readOnly)
            let frames = exceptionFrames(transport.events.first)
            let own = frames.filter { module(of: $0) == "SentryTests" }
            let included = frames.filter(isRuntime)
            #expect(!own.isEmpty && !included.isEmpty)
            for frame in own { #expect(frame["in_app"] == .bool(false)) }
            for frame in included { #expect(frame["in_app"] == .bool(true)) }
        }
        // And back to the defaults with the next start.
        await withStartedSDK { transport in
            SentrySDK.capture(error: StorageFault.readOnly)
            let frames = exceptionFrames(transport.events.first)
            #expect(frames.last?["in_app"] == .bool(true))
            let included = frames.filter(isRuntime)
            #expect(!included.isEmpty)
            for frame in included { #expect(frame["in_app"] == .bool(false)) }
        }
    }

    @Test func messagesGetTheCurrentThread() async throws {
        try await withStartedSDK { transport in
            let line = #line + 1
            SentrySDK.capture(message: "with thread")
            var isMain: Int32 = -1
            let tid = csc_current_thread(&isMain, nil, 0)
            SentrySDK.capture(event: Event(message: "raw event"))
            SentrySDK.capture(event: Event(raw: ["exception": ["values": [["type": "Own", "value": "v"]]]]))
            SentrySDK.capture(event: Event(raw: ["type": "check_in", "message": "not a thread"]))
            let events = transport.events
            #expect(events.count == 4)
            let thread = try #require(events[0].raw["threads"]?["values"]?.arrayValue?.first?.objectValue)
            #expect(events[0].raw["threads"]?["values"]?.arrayValue?.count == 1)
            #expect(thread["current"] == .bool(true))
            #expect(thread["crashed"] == .bool(false))
            #expect(thread["id"]?.intValue == Int64(tid))
            #expect(thread["main"] == .bool(isMain != 0))
            let last = try #require(threadFrames(events[0]).last)
            #expect(last["abs_path"]?.stringValue == #filePath)
            #expect(last["lineno"]?.intValue == Int64(line))
            #expect(last["in_app"] == .bool(true))
            #expect(events[0].exceptions.isEmpty)
            #expect(events[0].raw["debug_meta"]?["images"]?.arrayValue?.isEmpty == false)
            // capture(event:) follows the Python SDK: threads unless it has an exception
            // (or stacktrace / threads) or is a transaction or check-in.
            #expect(threadFrames(events[1]).last?["lineno"]?.intValue == Int64(line + 3))
            #expect(events[2].raw["threads"] == nil)
            #expect(events[2].exceptions.first?["type"] == "Own")
            #expect(events[3].raw["threads"] == nil)
        }
    }

    @Test func attachStacktraceOffLeavesMessagesAloneButNotErrors() async throws {
        await withStartedSDK({ $0.attachStacktrace = false }) { transport in
            SentrySDK.capture(message: "no thread")
            SentrySDK.currentScope.capture(message: "no thread either")
            SentrySDK.capture(error: StorageFault.readOnly)
            let events = transport.events
            #expect(events.count == 3)
            for event in events.prefix(2) {
                #expect(event.raw["threads"] == nil)
                #expect(event.raw["debug_meta"] == nil)
            }
            // As in sentry-cocoa, errors always carry the capture site's trace.
            #expect(exceptionFrames(events[2]).last?["in_app"] == .bool(true))
            #expect(events[2].raw["debug_meta"] != nil)
        }
    }

    @Test func debugMetaListsTheImagesOfTheFrames() async throws {
        try await withStartedSDK { transport in
            SentrySDK.capture(error: StorageFault.readOnly)
            let event = try #require(transport.events.first)
            let images = try #require(event.raw["debug_meta"]?["images"]?.arrayValue).compactMap(\.objectValue)
            let ranges = images.compactMap { image -> ClosedRange<UInt64>? in
                guard let lo = hexValue(image["image_addr"]), let size = image["image_size"]?.intValue, size > 0 else {
                    return nil
                }
                return lo...(lo + UInt64(size) - 1)
            }
            #expect(ranges.count == images.count)
            // Every frame lies in a listed image, and every listed image holds a frame.
            let addresses = exceptionFrames(event).compactMap { hexValue($0["instruction_addr"]) }
            #expect(!addresses.isEmpty)
            for address in addresses { #expect(ranges.contains { $0.contains(address) }) }
            for range in ranges { #expect(addresses.contains { range.contains($0) }) }
            // Only those: fewer than the process has loaded.
            let all = try #require(csc_debug_images())
            defer { json_decref(all) }
            #expect(images.count < json_array_size(all))
            // The test executable is listed with its GNU build id.
            let exe = try #require(images.first { $0["code_file"]?.stringValue == LoadedImages.mainExecutablePath })
            #expect(exe["type"] == "elf")
            #expect(exe["debug_id"]?.stringValue?.count == 36)
            if let buildId = buildIdOfThisExecutable() {
                #expect(exe["code_id"]?.stringValue == buildId)
            } else {
                Issue.record("readelf (binutils) is needed to check the build id")
            }
        }
    }

    @Test func tracedErrorsReportTheThrowSite() async throws {
        try await withStartedSDK { transport in
            do {
                try await chargeCard()
            } catch {
                #expect(String(describing: error) == "insufficientFunds(cents: 99)")
                #expect((error as? SentryTracedError)?.error is PaymentFailure)
                SentrySDK.capture(error: error)
                SentrySDK.capture(error: CheckoutFailed(causes: [error]))  // as a cause: the wrapped error
            }
            let events = transport.events
            #expect(events.count == 2)
            let exception = try #require(events.first?.exceptions.last)
            #expect(exception["type"] == "SentryTests.PaymentFailure")
            #expect(exception["value"] == "insufficientFunds(cents: 99)")
            let frames = exceptionFrames(events.first)
            let last = try #require(frames.last)
            #expect(last["function"]?.stringValue?.contains("chargeCard") == true)
            #expect(last["lineno"]?.intValue == Int64(tracedThrowLine))
            #expect(last["abs_path"]?.stringValue == #filePath)
            // The async caller is there too (Swift's unwinder follows async frames).
            #expect(frames.contains { ($0["function"]?.stringValue ?? "").contains("tracedErrorsReportTheThrowSite") })
            #expect(events.last?.exceptions.first?["type"] == "SentryTests.PaymentFailure")
            #expect(events.last?.exceptions.first?["mechanism"]?["source"] == "underlyingErrors[0]")
        }
    }

    /// Repeated captures from one call site share the cached stack's frames and debug_meta
    /// images (jansson references): every event still has the same frames, images and
    /// exception, and a `beforeSend` that rewrites them (it gets a private copy) changes
    /// neither the cache nor the next events.
    @Test func repeatedCapturesShareFramesThatHooksCannotChange() async throws {
        try await withStartedSDK({ options in
            options.beforeSend = { event in
                var event = event
                guard event.message == nil, var exception = event.raw["exception"]?.objectValue,
                    var values = exception["values"]?.arrayValue, var last = values.last?.objectValue
                else { return event }
                last["stacktrace"] = .object(["frames": .array([.object(["function": "rewritten"])])])
                last["type"] = "Rewritten"
                values[values.count - 1] = .object(last)
                exception["values"] = .array(values)
                event.raw["exception"] = .object(exception)
                event.raw["debug_meta"] = .object(["images": .array([])])
                return event
            }
        }) { transport in
            var direct: [SentryJSON] = []
            for _ in 0..<4 {
                SentrySDK.capture(error: StorageFault.readOnly)
                SentrySDK.capture(message: "shared")
                // The event as built, before the pipeline (the same call site each time).
                let json = try #require(StacktraceEvents.errorEvent(StorageFault.readOnly))
                direct.append(SentryJSON(jansson: json))
                json_decref(json)
            }
            #expect(Set(direct.map { $0.serialized(sortedKeys: true) }).count == 1)
            let frames = try #require(
                direct.last?["exception"]?["values"]?.arrayValue?.last?["stacktrace"]?["frames"]?.arrayValue)
            #expect(frames.count > 3)
            #expect(!frames.contains { $0["function"] == "rewritten" })
            #expect(direct.last?["debug_meta"]?["images"]?.arrayValue?.isEmpty == false)
            #expect(direct.last?["exception"]?["values"]?.arrayValue?.last?["type"] == "SentryTests.StorageFault")
            let events = transport.events
            #expect(events.count == 8)
            let errors = events.filter { $0.message == nil }
            let messages = events.filter { $0.message != nil }
            #expect(errors.count == 4 && messages.count == 4)
            for event in errors {
                #expect(exceptionFrames(event).map { $0["function"] } == [.string("rewritten")])
                #expect(event.exceptions.last?["type"] == "Rewritten")
            }
            let threads = Set(messages.map { SentryJSON.array(threadFrames($0).map(SentryJSON.object)).serialized() })
            #expect(threads.count == 1)
            #expect(
                messages.allSatisfy {
                    threadFrames($0).count > 3 && $0.raw["debug_meta"]?["images"]?.arrayValue?.isEmpty == false
                })
        }
    }

    /// The `threads` value a thread reuses for a cached stack follows the thread's name, also a
    /// name that is not valid UTF-8 (Linux cuts names at 15 bytes, inside a character).
    @Test(.disabled(if: sanitizerRun, "identical frames: checked in the plain run"))
    func sharedThreadsFollowTheThreadName() async throws {
        await withStartedSDK { transport in
            // pthread_setname_np is not imported (a _GNU_SOURCE function): the thread's comm file.
            func setName(_ name: [UInt8]) -> Bool {
                let fd = open("/proc/thread-self/comm", O_WRONLY)
                guard fd >= 0 else { return false }
                defer { close(fd) }
                return name.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == name.count
            }
            var saved = [CChar](repeating: 0, count: 64)
            _ = csc_current_thread(nil, &saved, saved.count)
            defer { _ = setName(saved.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }) }
            // 14 ASCII bytes and the first byte of "é": cut inside the character.
            let names: [[UInt8]] = [
                Array("sentry-a".utf8), Array("sentry-a".utf8), Array("sentry-b".utf8),
                Array("sentry-cut-xyz".utf8) + [0xC3], Array("sentry-b".utf8),
            ]
            for name in names {
                #expect(setName(name))
                SentrySDK.capture(message: "named")
            }
            let events = transport.events
            #expect(events.count == names.count)
            let seen = events.map { $0.raw["threads"]?["values"]?.arrayValue?.first?["name"]?.stringValue }
            #expect(seen == ["sentry-a", "sentry-a", "sentry-b", "sentry-cut-xyz\u{FFFD}", "sentry-b"])
            let frames = Set(events.map { SentryJSON.array(threadFrames($0).map(SentryJSON.object)).serialized() })
            #expect(frames.count == 1)
            #expect(threadFrames(events.last).count > 3)
        }
    }

    /// The cost of `capture(error:)` from a ~30-frame stack: the first capture symbolicates
    /// (file and line of the in-app frames), repeated ones hit the symbol cache. Prints the
    /// figures; checks that repeating is much cheaper.
    @Test func captureErrorCost() async throws {
        await withStartedSDK { transport in
            let clock = ContinuousClock()
            var first = Duration.zero
            var repeated: [Duration] = []
            var depth = 0
            nested(24) {
                for i in 0..<51 {
                    let t = clock.measure { SentrySDK.capture(error: StorageFault.diskFull(bytes: i)) }
                    if i == 0 { first = t } else { repeated.append(t) }
                }
                depth = sentryStacktrace().count
            }
            repeated.sort()
            let median = repeated[repeated.count / 2]
            print("capture(error:) with \(depth) frames: first \(first), repeated median \(median) (debug build)")
            #expect(transport.events.count == 51)
            #expect(depth >= 28)
            #expect(median < first)
        }
    }
}
