import CScopeCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The stack trace options of the running client (``Options/attachStacktrace``,
/// ``Options/inAppInclude``, ``Options/inAppExclude``), set by ``SentrySDK/start(options:)``.
/// Reading `attachStacktrace` is one relaxed atomic load; the rules are copied out under a lock
/// only when a stack trace is actually captured.
enum StacktraceSettings {
    private static let attach = Atomic<Bool>(true)
    private static let rules = Locked(InAppRules())

    static var attachStacktrace: Bool { attach.load(ordering: .relaxed) }
    static var inApp: InAppRules { rules.withLock { $0 } }

    static func update(from options: Options) {
        rules.withLock { $0 = InAppRules(include: options.inAppInclude, exclude: options.inAppExclude) }
        attach.store(options.attachStacktrace, ordering: .relaxed)
    }
}

/// Builds the events of ``SentrySDK/capture(error:scope:block:)`` and adds the `threads` of
/// `attachStacktrace`. Every function here is `@inline(never)` and lives in this module, so the
/// stack trace code trims it with the rest of the SDK's innermost frames: the last frame sent is
/// the code that called the SDK.
enum StacktraceEvents {
    /// `{"level": "error", "exception": {"values": [...]}, "debug_meta": {"images": [...]}}` for
    /// `error` with the calling thread's stack trace (always attached, as sentry-cocoa does: a
    /// Swift error carries no trace of its own). `skip` drops that many more innermost frames
    /// (a host's own capture helper). The caller owns the result.
    /// A ``SentryTracedError`` brings the stack of its creation instead.
    @inline(never)
    static func errorEvent(_ error: any Error, skip: Int = 0) -> UnsafeMutablePointer<json_t>? {
        let captured = (error as? SentryTracedError)?.stacktrace
            ?? captureStacktrace(skip: skip, inApp: StacktraceSettings.inApp)
        let values = exceptionValues(for: SentryTracedError.unwrap(error), frames: [])
        let event: JSONObject = ["level": "error", "exception": .object(["values": .array(values)])]
        guard let json = event.makeJansson() else { return nil }
        // The captured error is the last value; its frames are copied from the cached templates.
        if let frames = captured.makeJanssonFrames() {
            let list = json_object_get(json_object_get(json, "exception"), "values")
            let count = json_array_size(list)
            if count > 0, let last = json_array_get(list, count - 1), let stacktrace = json_object() {
                json_object_set_new(stacktrace, "frames", frames)
                json_object_set_new(last, "stacktrace", stacktrace)
            } else {
                json_decref(frames)
            }
        }
        addDebugMeta(to: json, addresses: captured.addresses)
        return json
    }

    /// Python's `attach_stacktrace` rule: an event with no `exception`, `stacktrace` or
    /// `threads` that is not a transaction or check-in gets the calling thread in `threads`
    /// (`current: true, crashed: false`, with `id`, `main` and `name`), and `debug_meta` for
    /// its frames. Nothing happens unless ``Options/attachStacktrace`` is on (the default).
    @inline(never)
    static func attachThread(to event: UnsafeMutablePointer<json_t>, skip: Int = 0) {
        guard StacktraceSettings.attachStacktrace else { return }
        for key in ["exception", "stacktrace", "threads"] where json_object_get(event, key) != nil { return }
        if let type = json_string_value(json_object_get(event, "type")),
           strcmp(type, "transaction") == 0 || strcmp(type, "check_in") == 0 { return }
        let captured = captureStacktrace(skip: skip, inApp: StacktraceSettings.inApp)
        guard let frames = captured.makeJanssonFrames() else { return }
        guard let thread = json_object(), let stacktrace = json_object(), let values = json_array(),
              let threads = json_object() else {
            json_decref(frames)
            return
        }
        var isMain: Int32 = 0
        var name = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buf -> String in
            buf.initialize(repeating: 0)
            let id = csc_current_thread(&isMain, buf.baseAddress, buf.count)
            json_object_set_new(thread, "id", json_integer(json_int_t(Int64(bitPattern: id))))
            return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if !name.isEmpty {
            _ = name.withUTF8 { u in
                json_object_set_new(thread, "name", json_stringn_nocheck(
                    UnsafeRawPointer(u.baseAddress!).assumingMemoryBound(to: CChar.self), u.count))
            }
        }
        json_object_set_new(thread, "current", json_true())
        json_object_set_new(thread, "crashed", json_false())
        json_object_set_new(thread, "main", isMain != 0 ? json_true() : json_false())
        json_object_set_new(stacktrace, "frames", frames)
        json_object_set_new(thread, "stacktrace", stacktrace)
        json_array_append_new(values, thread)
        json_object_set_new(threads, "values", values)
        json_object_set_new(event, "threads", threads)
        addDebugMeta(to: event, addresses: captured.addresses)
    }

    /// Called by ``SentrySDK/start(options:)``: when a client is enabled, loads the debug info
    /// of the first capture in the background (``Symbolicator/warmUp()``: once per process, on
    /// the SDK's symbolication thread; `start` itself only wakes that thread, creating it the
    /// first time).
    static func warmUpIfEnabled() {
        guard SentrySDK.fastEnabled else { return }
        Symbolicator.shared.warmUp()
    }

    /// Sets `debug_meta.images` of `event` to the loaded images that contain one of
    /// `addresses` (none: nothing is set).
    static func addDebugMeta(to event: UnsafeMutablePointer<json_t>, addresses: [UInt64]) {
        guard !addresses.isEmpty else { return }
        let images = addresses.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: UInt.self) { csc_debug_images_for($0.baseAddress, $0.count) }
        }
        guard let images else { return }
        guard json_array_size(images) > 0, let meta = json_object() else {
            json_decref(images)
            return
        }
        json_object_set_new(meta, "images", images)
        json_object_set_new(event, "debug_meta", meta)
    }
}
