#if canImport(Foundation)
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
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

@inline(never) private func stacktraceFromHelper() -> [JSON] {
    let frames = sentryStacktrace()
    return frames
}

@inline(never) private func outerHelper() -> [JSON] {
    let frames = stacktraceFromHelper()
    return frames
}

/// The same capture site every time (for the cache test).
@inline(never) private func captureAtFixedSite() -> CapturedStacktrace {
    let captured = captureStacktrace()
    return captured
}

private func function(_ frame: JSON?) -> String { frame?.objectValue?["function"]?.stringValue ?? "" }

private func lastIndex(_ frames: [JSON], containing name: String) -> Int? {
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
        #expect(!frames.contains { function($0).contains("sentryStacktrace") || function($0).contains("captureStacktrace") })
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

    @Test func singleErrorHasTypeValueModuleMechanismAndFrames() throws {
        let line = #line + 1
        let values = sentryException(for: CardDeclined(code: 51))
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
        #expect(ExceptionFields(StorageFault.diskFull(bytes: 10)).value == "diskFull(bytes: 10)")
        #expect(ExceptionFields(StorageFault.readOnly).value == "readOnly")
        #expect(ExceptionFields(StorageFault.readOnly).type == "SentryTests.StorageFault")
        struct Local: Error {}
        let local = ExceptionFields(Local())
        #expect(!local.type.contains("unknown context"))
        #expect(local.module == "SentryTests")
        #if canImport(Foundation)
        #expect(ExceptionFields(Localized()).value == "The order could not be saved.")
        #endif
        #expect(sentryException(for: StorageFault.readOnly, attachStacktrace: false).first?.objectValue?["stacktrace"] == nil)
    }

    @Test func chainedErrorsBecomeAnExceptionGroup() throws {
        var decodingError: any Error = StorageFault.readOnly
        do {
            _ = try JSONDecoder().decode(Item.self, from: Data(#"{"price": "free"}"#.utf8))
        } catch { decodingError = error }
        let error = CheckoutFailed(causes: [CardDeclined(code: 5), CheckoutFailed(causes: [decodingError])])
        let values = try sentryException(for: error).map { try #require($0.objectValue) }

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
        let context = DecodingError.Context(codingPath: [], debugDescription: "bad", underlyingError: CardDeclined(code: 1))
        let values = sentryException(for: DecodingError.dataCorrupted(context), attachStacktrace: false)
        #expect(values.count == 2)
        #expect(values.first?.objectValue?["type"] == "SentryTests.CardDeclined")
        #expect(values.first?.objectValue?["mechanism"]?.objectValue?["source"] == "underlyingError")
        #expect(values.last?.objectValue?["value"] == "dataCorrupted: bad")
    }

    #if canImport(Foundation)
    @Test func nsUnderlyingErrorIsFollowed() throws {
        let inner = NSError(domain: "db", code: 7)
        let outer = NSError(domain: "api", code: 1, userInfo: [NSUnderlyingErrorKey: inner])
        let values = sentryException(for: outer, attachStacktrace: false)
        #expect(values.count == 2)
        #expect(values.first?.objectValue?["mechanism"]?.objectValue?["source"] == "NSUnderlyingError")
        #expect(values.first?.objectValue?["value"]?.stringValue?.contains("db") == true)
        #expect(values.last?.objectValue?["type"] == "Foundation.NSError")
        let multiple = NSError(domain: "api", code: 2, userInfo: ["NSMultipleUnderlyingErrorsKey": [inner, inner]])
        let group = sentryException(for: multiple, attachStacktrace: false)
        #expect(group.count == 3)
        #expect(group.last?.objectValue?["mechanism"]?.objectValue?["is_exception_group"] == .bool(true))
    }
    #endif

    @Test func chainsAreBounded() {
        var error: any Error = CardDeclined(code: 0)
        for _ in 0..<50 { error = CheckoutFailed(causes: [error]) }
        #expect(sentryException(for: error, attachStacktrace: false).count == ErrorChain.maxDepth + 1)
        let wide = CheckoutFailed(causes: Array(repeating: CardDeclined(code: 1), count: 40))
        #expect(sentryException(for: wide, attachStacktrace: false).count == ErrorChain.maxExceptions)
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
        #expect(rules.classify(module: nil, imagePath: "/usr/lib/x86_64-linux-gnu/libc.so.6", isMainExecutable: false) == false)
        #expect(rules.classify(module: "Swift", imagePath: "/opt/swift/usr/lib/swift/linux/libswiftCore.so", isMainExecutable: false) == false)
        #expect(InAppRules(include: ["NIOCore"]).classify(module: "NIOCore", imagePath: nil, isMainExecutable: true) == true)
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
        #expect(!captures[0].sourceFallback)      // found by re-capturing just those frames
        for again in captures.dropFirst() {
            #expect(again.cacheMisses == 0)
            #expect(again.sourceLookups == 0)
            #expect(again.cacheHits == captures[0].cacheHits + captures[0].cacheMisses)
            // Same frames but for the caller's return address in the loop, which is the same too.
            #expect(again.frames == captures[0].frames)
        }
        #expect(function(captures[0].frames.last).contains("captureAtFixedSite"))
    }

    @Test func loadingAnImageInvalidatesTheImageMap() throws {
        let generation = LoadedImages.generation()
        #expect(generation > 0)
        #expect(generation == LoadedImages.generation())
        // A library this process has not loaded yet (glibc ships them all).
        let candidates = ["libanl.so.1", "libBrokenLocale.so.1", "libnss_files.so.2", "libutil.so.1"]
        guard let name = candidates.first(where: { dlopen($0, RTLD_NOW | RTLD_NOLOAD) == nil }),
              dlopen(name, RTLD_NOW | RTLD_LOCAL) != nil else { return }
        // Not dlclosed: tests run in parallel, and a library unloaded while another thread
        // symbolicates with an image map that still lists it loses that thread's symbols.
        #expect(LoadedImages.generation() != generation)
        let loads = SymbolCache.shared.imageMapLoads
        _ = sentryStacktrace()
        #expect(SymbolCache.shared.imageMapLoads == loads + 1)
        _ = sentryStacktrace()
        #expect(SymbolCache.shared.imageMapLoads == loads + 1)
    }
}
