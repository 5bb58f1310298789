import CScopeCore
internal import CScopeCoreSPI

/// Turns ``SentryOptions`` into the core's `csc_options_t`, with trampolines for the Swift callbacks.
///
/// The callback boxes (`beforeSend`, `beforeBreadcrumb`, `transport`, `logger`) are handed to
/// the core unretained and kept alive by one ``CallbackBoxes`` per options, which the core
/// releases through `csc_options_set_release_hook` when it is done with those options: when
/// the client they started is closed or replaced and no callback of theirs can still run on
/// another thread (with a logger, when the next `start()` replaces it: the core logs through
/// it after `close()`).
enum OptionsBridge {
    /// The `platform` of events sent by the Swift overlay: `"native"`, as the C core and
    /// sentry-native send.
    ///
    /// Sentry treats `"cocoa"` and `"native"` alike for symbolication (both are in
    /// `NATIVE_PLATFORMS` of getsentry/sentry `src/sentry/lang/native/utils.py`: frames go to
    /// Symbolicator, which reads our `debug_meta` ELF images by build id) and for grouping
    /// (both map to the `native` behaviour family, `src/sentry/stacktraces/platform.py`). What
    /// `"cocoa"` adds is Apple-only: an Apple SDK (iOS/macOS, Mach-O images, dSYMs, Apple system
    /// frameworks and crash reports) is assumed by the issue UI, the Apple grouping rules and
    /// the profiling pipeline. Server-side Swift on Linux sends ELF images like any native
    /// program, and a Swift crash in the same process as C code then shows on the same platform.
    static let platform = "native"
    /// The SDK name reported in events.
    static let sdkName = "sentry.swift.server"

    static func make(_ options: SentryOptions) -> OpaquePointer? {
        StacktraceSettings.update(from: options)
        HTTPIntegrationSettings.update(from: options)
        guard let o = csc_options_new() else { return nil }
        if let dsn = options.dsn { _ = csc_options_set_dsn(o, dsn) }
        if let v = options.release { _ = csc_options_set_release(o, v) }
        if let v = options.environment { _ = csc_options_set_environment(o, v) }
        if let v = options.dist { _ = csc_options_set_dist(o, v) }
        if let v = options.serverName { _ = csc_options_set_server_name(o, v) }
        _ = csc_options_set_platform(o, platform)
        _ = csc_options_set_sdk(o, sdkName, SentrySDK.version)
        _ = csc_options_set_runtime(o, SwiftRuntimeVersion.name, SwiftRuntimeVersion.version)
        _ = csc_options_set_max_breadcrumbs(o, max(0, min(options.maxBreadcrumbs, Int(CSC_MAX_BREADCRUMBS_LIMIT))))
        if let rate = options.sampleRate { _ = csc_options_set_sample_rate(o, rate.isNaN ? 1 : max(0, min(rate, 1))) }
        _ = csc_options_set_send_default_pii(o, options.sendDefaultPii)
        if options.debug { _ = csc_options_set_debug(o, true) }  // false leaves SENTRY_DEBUG in charge
        if let v = options.cacheDirectory { _ = csc_options_set_cache_dir(o, v) }
        if let v = options.httpProxy { _ = csc_options_set_http_proxy(o, v) }
        if let v = options.caCerts { _ = csc_options_set_ca_certs(o, v) }
        _ = csc_options_set_max_queue_size(o, max(1, min(options.maxQueueSize, 100_000)))
        _ = csc_options_set_shutdown_timeout(o, milliseconds(options.shutdownTimeout))
        _ = csc_options_set_send_client_reports(o, options.sendClientReports)
        _ = csc_options_set_crash_handler(o, options.enableCrashHandler)
        _ = csc_options_set_auto_session_tracking(o, options.autoSessionTracking)
        _ = csc_options_set_session_mode(o, options.sessionMode.cMode)
        let boxes = CallbackBoxes()
        if let logger = options.logger {
            _ = csc_options_set_logger(o, loggerTrampoline, boxes.keep(LoggerBox(logger)))
        }
        if let beforeSend = options.beforeSend {
            _ = csc_options_set_before_send(o, beforeSendTrampoline, boxes.keep(EventCallbackBox(beforeSend)))
        }
        if let beforeBreadcrumb = options.beforeBreadcrumb {
            _ = csc_options_set_before_breadcrumb(
                o, beforeBreadcrumbTrampoline, boxes.keep(BreadcrumbCallbackBox(beforeBreadcrumb)))
        }
        TracingOptionsBridge.apply(options, to: o, boxes: boxes)
        LogOptionsBridge.apply(options, to: o, boxes: boxes)
        if let transport = options.transport {
            _ = csc_options_set_transport(o, transportTrampoline, boxes.keep(TransportBox(transport)))
        }
        if !boxes.isEmpty {
            _ = csc_options_set_release_hook(o, releaseCallbackBoxes, Unmanaged.passRetained(boxes).toOpaque())
        }
        return o
    }

    /// A duration in whole milliseconds, clamped to `0...UInt32.max`.
    static func milliseconds(_ d: Duration) -> UInt32 {
        let (seconds, attoseconds) = d.components
        if seconds < 0 { return 0 }
        let ms = seconds.multipliedReportingOverflow(by: 1000)
        if ms.overflow || ms.partialValue > Int64(UInt32.max) { return UInt32.max }
        return UInt32(min(Int64(UInt32.max), ms.partialValue + attoseconds / 1_000_000_000_000_000))
    }
}

/// The callback boxes of one `csc_options_t`: the core holds them unretained as `user_data`;
/// this keeps them alive until the core's release hook (`releaseCallbackBoxes`) runs.
final class CallbackBoxes: @unchecked Sendable {
    // Written only while the options are built (one thread), read by nobody after.
    private var boxes: [AnyObject] = []

    var isEmpty: Bool { boxes.isEmpty }

    /// Keeps `box` and returns the pointer the core gets as `user_data`.
    func keep(_ box: AnyObject) -> UnsafeMutableRawPointer {
        boxes.append(box)
        return Unmanaged.passUnretained(box).toOpaque()
    }
}

private func releaseCallbackBoxes(_ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    Unmanaged<CallbackBoxes>.fromOpaque(ctx).release()
}

/// A Swift `beforeBreadcrumb` handed to the core as `user_data`.
final class BreadcrumbCallbackBox: Sendable {
    let body: @Sendable (Breadcrumb) -> Breadcrumb?
    init(_ body: @escaping @Sendable (Breadcrumb) -> Breadcrumb?) { self.body = body }
}

/// A Swift ``SentryTransport`` handed to the core as `user_data`.
final class TransportBox: Sendable {
    let transport: any SentryTransport
    init(_ transport: any SentryTransport) { self.transport = transport }
}

private func beforeSendTrampoline(_ event: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?) -> Bool
{
    guard let event, let userData else { return true }
    return Unmanaged<EventCallbackBox>.fromOpaque(userData).takeUnretainedValue().run(event)
}

private func beforeBreadcrumbTrampoline(_ crumb: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?)
    -> Bool
{
    guard let crumb, let userData else { return true }
    let box = Unmanaged<BreadcrumbCallbackBox>.fromOpaque(userData).takeUnretainedValue()
    var raw = SentryJSONObject(jansson: crumb)
    let before = Breadcrumb(json: raw)
    guard let after = box.body(before) else { return false }
    if after != before {
        after.apply(to: &raw, comparedWith: before)
        janssonReplaceObject(crumb, with: raw)
    }
    return true
}

private func transportTrampoline(_ envelope: OpaquePointer?, _ userData: UnsafeMutableRawPointer?) {
    guard let envelope else { return }
    defer { csc_envelope_free(envelope) }
    guard let userData else { return }
    let box = Unmanaged<TransportBox>.fromOpaque(userData).takeUnretainedValue()
    box.transport.send(envelope: Envelope(core: envelope))
}
