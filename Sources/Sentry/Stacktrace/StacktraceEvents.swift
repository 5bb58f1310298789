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
        let values = exceptionValues(for: SentryTracedError.unwrap(error), frames: captured.frames)
        let event: JSONObject = ["level": "error", "exception": .object(["values": .array(values)])]
        guard let json = event.makeJansson() else { return nil }
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
        guard !captured.frames.isEmpty else { return }
        var thread: JSONObject = [:]
        var isMain: Int32 = 0
        var name = [CChar](repeating: 0, count: 64)
        let id = csc_current_thread(&isMain, &name, name.count)
        thread["id"] = .int(Int64(bitPattern: id))
        let threadName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if !threadName.isEmpty { thread["name"] = .string(threadName) }
        thread["current"] = true
        thread["crashed"] = false
        thread["main"] = .bool(isMain != 0)
        thread["stacktrace"] = .object(["frames": .array(captured.frames)])
        let threads: JSONObject = ["values": [.object(thread)]]
        if let j = threads.makeJansson() { json_object_set_new(event, "threads", j) }
        addDebugMeta(to: event, addresses: captured.addresses)
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
