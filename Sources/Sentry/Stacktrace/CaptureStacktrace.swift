import CScopeCore
internal import CScopeCoreSPI
import Runtime

/// A stack trace of the calling thread in Sentry's frame format, with the cache figures of the
/// capture (for tests and diagnostics).
struct CapturedStacktrace: Sendable {
    /// The frames, oldest first (the capture site last), and their `in_app` (-1: unknown).
    var symbolized: [SymbolizedFrame] = []
    var inApp: [Int8] = []
    /// The distinct `instruction_addr` of the frames (for ``StacktraceEvents/addDebugMeta(to:_:)``).
    var addresses: [UInt64] = []
    /// Captured addresses found in / missing from the symbol cache.
    var cacheHits: Int
    var cacheMisses: Int
    /// Symbolications with file and line (0 when all were cached, else 1).
    var sourceLookups: Int
    /// Always false (the source lookup no longer re-captures windows that could fail to line up).
    var sourceFallback: Bool = false
    /// Every address was cached: the stack was walked by `csc_stacktrace_walk_fp` and no
    /// `Backtrace` was captured.
    var fromCache: Bool = false
    /// The frames array and debug_meta images as jansson, shared by every event of a cached
    /// stack (``StackJSON``); `nil` for a stack that was not kept.
    var json: StackJSON? = nil

    /// Sentry frames, oldest first, read back from the jansson frames events get
    /// (``copyJanssonFrames()``), for tests and diagnostics.
    var frames: [SentryJSON] {
        guard let frames = copyJanssonFrames() else { return [] }
        defer { json_decref(frames) }
        return SentryJSON(jansson: frames).arrayValue ?? []
    }

    /// `{"frames": [...]}` for the event (the caller owns it): shared from ``json`` when the
    /// stack was kept, else a new object of fresh copies of the frames' templates. `nil` when
    /// there are no frames (or on OOM).
    func makeJanssonStacktrace() -> UnsafeMutablePointer<json_t>? {
        if let json { return csc_stacktrace_share(json.stacktrace) }
        return Self.wrap(copyJanssonFrames(), in: "frames")
    }

    /// Sentry frames, oldest first, as a new jansson array (the caller owns it): copies of the
    /// frames' templates, no Swift JSON. `nil` when there are no frames (or on OOM).
    func copyJanssonFrames() -> UnsafeMutablePointer<json_t>? {
        let n = symbolized.count
        guard n > 0 else { return nil }
        let templates = UnsafeMutablePointer<UnsafePointer<json_t>?>.allocate(capacity: n)
        defer { templates.deallocate() }
        for i in 0..<n { templates[i] = UnsafePointer(symbolized[i].template.object) }
        let frames = inApp.withUnsafeBufferPointer { csc_stacktrace_frames_json(templates, $0.baseAddress, n) }
        withExtendedLifetime(symbolized) {}
        return frames
    }

    /// `{"images": [...]}` for the event (the caller owns it), the loaded images that hold one of
    /// the frames: shared from ``json`` when the stack was kept, else looked up
    /// (`csc_debug_images_for`). `nil` when no image matches.
    func makeDebugMeta() -> UnsafeMutablePointer<json_t>? {
        if let json, json.imagesKnown { return csc_stacktrace_share(json.debugMeta) }
        return Self.lookUpDebugMeta(addresses)
    }

    private static func lookUpDebugMeta(_ addresses: [UInt64]) -> UnsafeMutablePointer<json_t>? {
        guard !addresses.isEmpty else { return nil }
        let images = addresses.withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: UInt.self) { csc_debug_images_for($0.baseAddress, $0.count) }
        }
        guard let images else { return nil }
        guard json_array_size(images) > 0 else {
            json_decref(images)
            return nil
        }
        return wrap(images, in: "images")
    }

    /// `{key: value}` (consumes `value`); `nil` when `value` is.
    private static func wrap(_ value: UnsafeMutablePointer<json_t>?, in key: String) -> UnsafeMutablePointer<json_t>? {
        guard let value else { return nil }
        guard let object = json_object() else {
            json_decref(value)
            return nil
        }
        json_object_set_new(object, key, value)
        return object
    }

    /// The ``StackJSON`` of this stack, built once when it is kept by the cache. Images are
    /// left to each capture if the loaded images changed meanwhile.
    func makeStackJSON() -> StackJSON? {
        guard let stacktrace = Self.wrap(copyJanssonFrames(), in: "frames") else { return nil }
        let generation = csc_image_generation()
        let meta = Self.lookUpDebugMeta(addresses)
        let known = csc_image_generation() == generation
        if !known, let meta { json_decref(meta) }
        return StackJSON(stacktrace: stacktrace, debugMeta: known ? meta : nil, imagesKnown: known)
    }
}

/// Frames of this SDK (and of the unwinder) at the innermost end of a capture are left out.
private let sdkModules: Set<String> = ["Sentry", "Runtime", "_Backtracing"]

/// The calling thread's stack trace as Sentry frames, oldest first, as events get them with
/// `attachStacktrace` and ``SentrySDK/capture(error:scope:block:)`` (read back as Swift values).
///
/// The SDK's own innermost frames are trimmed, so the last frame is the code that called into
/// the SDK; `skip` drops that many more (a host's own capture helper). Each frame has
/// `function` (demangled), `symbol` (mangled, when different), `instruction_addr`, `package`
/// (the image), `in_app` per `inApp` (left out when unknown), and for frames that are in-app or
/// unknown and were built with debug info, `filename` / `abs_path` / `lineno` / `colno`.
/// Library frames (`in_app: false`) get no file and line: looking them up costs ~1 ms each.
///
/// Cost: the first capture through new addresses costs ~1 ms per in-app frame; later captures
/// through the same addresses hit ``SymbolCache`` and cost a few microseconds (see
/// `docs/stack-traces.md`). Thread-safe.
@inline(never)
func sentryStacktrace(skip: Int = 0, inApp: InAppRules = InAppRules()) -> [SentryJSON] {
    captureStacktrace(skip: skip, inApp: inApp).frames
}

/// ``sentryStacktrace(skip:inApp:)`` with the cache figures. At most `limit` frames are
/// captured (the innermost ones and the 16 outermost).
///
/// A stack whose every address is cached (the common case: a capture from a call path seen
/// before) is walked by `csc_stacktrace_walk_fp` and built from the cache (see
/// `cachedStacktrace(skip:inApp:limit:)`); anything else takes the `Backtrace` path below,
/// which fills the cache. Both give the same frames.
@inline(never)
func captureStacktrace(skip: Int = 0, inApp: InAppRules = InAppRules(), limit: Int = 100) -> CapturedStacktrace {
    if let cached = cachedStacktrace(skip: skip, inApp: inApp, limit: limit) { return cached }
    let cache = SymbolCache.shared
    let (images, generation) = cache.imageMap()
    guard let backtrace = try? Backtrace.capture(algorithm: .auto, limit: limit, images: images) else {
        return CapturedStacktrace(cacheHits: 0, cacheMisses: 0, sourceLookups: 0)
    }
    var plan = cache.plan(backtrace, images: images, generation: generation, limit: limit) { frame in
        frame.classify(inApp) != false
    }
    // File and line for the wanted frames: one symbolication of just their addresses.
    let lookups = cache.addSource(to: &plan, architecture: backtrace.architecture, images: images) ? 1 : 0
    var captured = sentryFrames(count: plan.groups.count, group: { plan.groups[$0] }, skip: skip, inApp: inApp)
    captured.cacheHits = plan.hits
    captured.cacheMisses = plan.misses
    captured.sourceLookups = lookups
    return captured
}

/// Frames of ``cachedStacktrace(skip:inApp:limit:)`` and ``captureStacktrace(skip:inApp:limit:)``
/// between the frame walk and the caller of `captureStacktrace`.
private let walkerSkip = 2

/// The fast path of ``captureStacktrace(skip:inApp:limit:)``: walks the frame pointers
/// (`csc_stacktrace_walk_fp`, no symbol lookups), then takes the whole result from
/// ``SymbolCache``'s stacks when this exact stack was built before, else every frame from its
/// addresses (and keeps the result for next time). `nil` when an address is not cached, lacks a
/// wanted file and line, or the stack is deeper than `limit` allows (the `Backtrace` path then
/// runs). Must be called directly by `captureStacktrace` (the walk skips exactly these two frames).
@inline(never)
private func cachedStacktrace(skip: Int, inApp: InAppRules, limit: Int) -> CapturedStacktrace? {
    // Runtime's capture counts its own few frames and these two in `limit`: stay well below it
    // so that every stack the fast path takes is one Runtime would not have shortened.
    let maxFrames = limit - 8
    guard maxFrames > 0 else { return nil }
    let buffer = UnsafeMutablePointer<UInt>.allocate(capacity: 2 * maxFrames)
    defer { buffer.deallocate() }
    let pcs = buffer, fps = buffer + maxFrames
    let count = Int(csc_stacktrace_walk_fp(pcs, fps, maxFrames, walkerSkip))
    guard count > 0, count < maxFrames else { return nil }
    let cache = SymbolCache.shared
    let walked = UnsafeBufferPointer(start: pcs, count: count)
    if let stack = cache.cachedStack(walked, skip: skip, inApp: inApp), stack.matchesAsyncChain(fps: fps) {
        return stack.result
    }
    guard let found = cache.cachedFrames(pcs: pcs, fps: fps, count: count, maxFrames: maxFrames) else { return nil }
    for entry in found.entries {
        // A frame that should have file and line but was only named: the slow path adds them.
        if !entry.hasSource, let frame = entry.frames.last, frame.classify(inApp) != false { return nil }
    }
    var captured = sentryFrames(
        count: found.entries.count, group: { found.entries[$0].frames }, skip: skip, inApp: inApp)
    captured.cacheHits = found.entries.count
    captured.fromCache = true
    captured.json = captured.makeStackJSON()
    cache.keepStack(
        CachedStack(
            pcs: Array(walked), skip: skip, inApp: inApp, asyncFrame: found.asyncFrame,
            resumePoints: found.resumePoints, result: captured))
    return captured
}

/// The stack trace from symbolized addresses (`count` groups, innermost first, the frames of
/// one address each): the SDK's innermost frames and `skip` more are dropped, `in_app` is set
/// per `inApp`, frames are put oldest first. Also the frames' distinct addresses (inlined frames
/// share one).
private func sentryFrames(count: Int, group: (Int) -> [SymbolizedFrame], skip: Int, inApp: InAppRules)
    -> CapturedStacktrace
{
    var total = 0
    var dropped = 0
    var trimming = true
    for i in 0..<count {
        let frames = group(i)
        total += frames.count
        guard trimming else { continue }
        for frame in frames {
            guard let module = frame.module, sdkModules.contains(module) else {
                trimming = false
                break
            }
            dropped += 1
        }
    }
    dropped = min(total, dropped + max(0, skip))

    var captured = CapturedStacktrace(cacheHits: 0, cacheMisses: 0, sourceLookups: 0)
    let n = total - dropped
    captured.symbolized.reserveCapacity(n)
    captured.inApp.reserveCapacity(n)
    captured.addresses.reserveCapacity(n)
    var index = total  // position of the next frame, innermost first
    var i = count - 1
    while i >= 0, index > dropped {
        for frame in group(i).reversed() {
            index -= 1
            if index < dropped { break }
            captured.symbolized.append(frame)
            switch frame.classify(inApp) {
            case .some(true): captured.inApp.append(1)
            case .some(false): captured.inApp.append(0)
            case .none: captured.inApp.append(-1)
            }
            if captured.addresses.last != frame.instructionAddress {
                captured.addresses.append(frame.instructionAddress)
            }
        }
        i -= 1
    }
    return captured
}
