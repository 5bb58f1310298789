import CScopeCore
internal import CScopeCoreSPI
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The stack trace options of the running client (``SentryOptions/attachStacktrace``,
/// ``SentryOptions/inAppInclude``, ``SentryOptions/inAppExclude``), set by ``SentrySDK/start(options:)``.
/// Reading `attachStacktrace` is one relaxed atomic load; the rules are copied out under a lock
/// only when a stack trace is actually captured.
enum StacktraceSettings {
    private static let attach = Atomic<Bool>(true)
    private static let rules = Locked(InAppRules())

    static var attachStacktrace: Bool { attach.load(ordering: .relaxed) }
    static var inApp: InAppRules { rules.withLock { $0 } }

    static func update(from options: SentryOptions) {
        rules.withLock { $0 = InAppRules(include: options.inAppInclude, exclude: options.inAppExclude) }
        attach.store(options.attachStacktrace, ordering: .relaxed)
    }
}

/// Builds the events of ``SentrySDK/capture(error:scope:block:)`` and adds the `threads` of
/// `attachStacktrace`. Every function here is `@inline(never)` and lives in this module, so the
/// stack trace code trims it with the rest of the SDK's innermost frames: the last frame sent is
/// the code that called the SDK.
enum StacktraceEvents {
    /// `"error"`, shared by the error events.
    private static let errorLevel = SharedJansson(json_string("error"))

    /// `{"level": "error", "exception": {"values": [...]}, "debug_meta": {"images": [...]}}` for
    /// `error` with the calling thread's stack trace (always attached, as sentry-cocoa does: a
    /// Swift error carries no trace of its own). `skip` drops that many more innermost frames
    /// (a host's own capture helper). The caller owns the result.
    /// A ``SentryTracedError`` brings the stack of its creation instead.
    @inline(never)
    static func errorEvent(_ error: any Error, skip: Int = 0) -> UnsafeMutablePointer<json_t>? {
        let captured =
            (error as? SentryTracedError)?.stacktrace
            ?? captureStacktrace(skip: skip, inApp: StacktraceSettings.inApp)
        // Built directly in jansson; the frames and images of a cached stack are shared, not copied.
        guard let json = json_object() else { return nil }
        json_object_set_new_nocheck(json, "level", errorLevel.share())
        if let exception = json_object() {
            json_object_set_new_nocheck(
                exception, "values",
                exceptionValuesJansson(
                    for: SentryTracedError.unwrap(error), stacktrace: captured.makeJanssonStacktrace()))
            json_object_set_new_nocheck(json, "exception", exception)
        }
        addDebugMeta(to: json, captured)
        return json
    }

    /// Python's `attach_stacktrace` rule: an event with no `exception`, `stacktrace` or
    /// `threads` that is not a transaction or check-in gets the calling thread in `threads`
    /// (`current: true, crashed: false`, with `id`, `main` and `name`), and `debug_meta` for
    /// its frames. Nothing happens unless ``SentryOptions/attachStacktrace`` is on (the default).
    @inline(never)
    static func attachThread(to event: UnsafeMutablePointer<json_t>, skip: Int = 0) {
        guard StacktraceSettings.attachStacktrace else { return }
        for key in ["exception", "stacktrace", "threads"] where json_object_get(event, key) != nil { return }
        if let type = json_string_value(json_object_get(event, "type")),
            strcmp(type, "transaction") == 0 || strcmp(type, "check_in") == 0
        {
            return
        }
        let captured = captureStacktrace(skip: skip, inApp: StacktraceSettings.inApp)
        guard let stacktrace = captured.makeJanssonStacktrace() else { return }
        // A cached stack's stacktrace is shared, and so is the `threads` value a thread builds
        // from it (while its name stays the same).
        if let threads = csc_stacktrace_threads_json(stacktrace, captured.json != nil ? 1 : 0) {
            json_object_set_new(event, "threads", threads)
        } else {
            // A name that is not valid UTF-8 (cut in the middle of a character): Swift repairs it.
            guard let threads = threadsJSON(stacktrace) else { return }
            json_object_set_new(event, "threads", threads)
        }
        addDebugMeta(to: event, captured)
    }

    /// `csc_stacktrace_threads_json` for a thread name that is not valid UTF-8 (the invalid
    /// bytes replaced as Swift's `String(decoding:as:)` does). Consumes `stacktrace`.
    private static func threadsJSON(_ stacktrace: UnsafeMutablePointer<json_t>) -> UnsafeMutablePointer<json_t>? {
        guard let thread = json_object(), let values = json_array(), let threads = json_object() else {
            json_decref(stacktrace)
            return nil
        }
        var isMain: Int32 = 0
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf in
            buf.initialize(repeating: 0)
            let id = csc_current_thread(&isMain, buf.baseAddress, buf.count)
            json_object_set_new(thread, "id", json_integer(json_int_t(Int64(bitPattern: id))))
            let name = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if !name.isEmpty { json_object_set_new(thread, "name", makeJanssonString(name)) }
        }
        json_object_set_new(thread, "current", json_true())
        json_object_set_new(thread, "crashed", json_false())
        json_object_set_new(thread, "main", isMain != 0 ? json_true() : json_false())
        json_object_set_new(thread, "stacktrace", stacktrace)
        json_array_append_new(values, thread)
        json_object_set_new(threads, "values", values)
        return threads
    }

    /// Called by ``SentrySDK/start(options:)``: when a client is enabled, loads the debug info
    /// of the first capture in the background (``Symbolicator/warmUp()``: once per process, on
    /// the SDK's symbolication thread; `start` itself only wakes that thread, creating it the
    /// first time).
    static func warmUpIfEnabled() {
        guard SentrySDK.fastEnabled else { return }
        Symbolicator.shared.warmUp()
    }

    /// Sets `debug_meta.images` of `event` to the loaded images that contain one of the
    /// frames of `captured` (none: nothing is set).
    static func addDebugMeta(to event: UnsafeMutablePointer<json_t>, _ captured: CapturedStacktrace) {
        guard let meta = captured.makeDebugMeta() else { return }
        json_object_set_new(event, "debug_meta", meta)
    }
}
