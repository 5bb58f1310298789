import Runtime

/// A stack trace of the calling thread in Sentry's frame format, with the cache figures of the
/// capture (for tests and diagnostics).
struct CapturedStacktrace: Sendable {
    /// Sentry frames, oldest first (the capture site last).
    var frames: [JSON]
    /// The distinct `instruction_addr` of `frames` (for ``debugImages(for:)``).
    var addresses: [UInt64] = []
    /// Captured addresses found in / missing from the symbol cache.
    var cacheHits: Int
    var cacheMisses: Int
    /// Re-captured windows symbolicated with file and line (0 when all were cached).
    var sourceLookups: Int
    /// A window did not line up with the capture, so the whole stack was symbolicated.
    var sourceFallback: Bool = false
}

/// Frames of this SDK (and of the unwinder) at the innermost end of a capture are left out.
private let sdkModules: Set<String> = ["Sentry", "Runtime", "_Backtracing"]

/// Wanted frames closer than this are looked up in one window (each window is one re-capture).
private let windowGap = 3

/// The calling thread's stack trace as Sentry frames, oldest first, for `attachStacktrace` and
/// ``sentryException(for:inApp:attachStacktrace:skip:)``.
///
/// The SDK's own innermost frames are trimmed, so the last frame is the code that called into
/// the SDK; `skip` drops that many more (a host's own capture helper). Each frame has
/// `function` (demangled), `symbol` (mangled, when different), `instruction_addr`, `package`
/// (the image), `in_app` per `inApp` (left out when unknown), and for frames that are in-app or
/// unknown and were built with debug info, `filename` / `abs_path` / `lineno` / `colno`.
/// Library frames (`in_app: false`) get no file and line: looking them up costs ~1 ms each.
///
/// Cost: the first capture through new addresses costs ~1 ms per in-app frame; later captures
/// through the same addresses hit ``SymbolCache`` and cost tens of microseconds. Thread-safe.
@inline(never)
func sentryStacktrace(skip: Int = 0, inApp: InAppRules = InAppRules()) -> [JSON] {
    captureStacktrace(skip: skip, inApp: inApp).frames
}

/// ``sentryStacktrace(skip:inApp:)`` with the cache figures. At most `limit` frames are
/// captured (the innermost ones and the 16 outermost).
@inline(never)
func captureStacktrace(skip: Int = 0, inApp: InAppRules = InAppRules(), limit: Int = 100) -> CapturedStacktrace {
    let cache = SymbolCache.shared
    let (images, generation) = cache.imageMap()
    guard let backtrace = try? Backtrace.capture(algorithm: .auto, limit: limit, images: images) else {
        return CapturedStacktrace(frames: [], cacheHits: 0, cacheMisses: 0, sourceLookups: 0)
    }
    var plan = cache.plan(backtrace, images: images, generation: generation) { frame in
        frame.classify(inApp) != false
    }
    // File and line for the wanted frames: capture just those frames again, from this same
    // function so that positions line up, and symbolicate that window.
    var lookups = 0
    var fallback = false
    while let start = plan.needsSource.first {
        var end = start
        for i in plan.needsSource where i - end <= windowGap { end = i }
        lookups += 1
        let count = end - start + 1
        guard let window = try? Backtrace.capture(algorithm: .auto, limit: count + 1, offset: start, top: 0, images: images),
              cache.addSource(to: &plan, window: window, start: start, images: images)
        else {
            cache.addSource(to: &plan, wholeBacktrace: backtrace, images: images)
            fallback = true
            break
        }
    }
    let (frames, addresses) = sentryFrames(plan.groups, skip: skip, inApp: inApp)
    return CapturedStacktrace(frames: frames, addresses: addresses, cacheHits: plan.hits, cacheMisses: plan.misses,
                              sourceLookups: lookups, sourceFallback: fallback)
}

/// Sentry frames, oldest first, from symbolized addresses (innermost first): the SDK's
/// innermost frames and `skip` more are dropped, `in_app` is set per `inApp`. Also the frames'
/// distinct addresses (inlined frames share one).
private func sentryFrames(_ groups: [[SymbolizedFrame]], skip: Int, inApp: InAppRules) -> ([JSON], [UInt64]) {
    var innermostFirst: [SymbolizedFrame] = []
    innermostFirst.reserveCapacity(groups.count + 4)
    for group in groups { innermostFirst.append(contentsOf: group) }
    var start = 0
    while start < innermostFirst.count, let module = innermostFirst[start].module, sdkModules.contains(module) {
        start += 1
    }
    start = min(innermostFirst.count, start + max(0, skip))

    var frames: [JSON] = []
    var addresses: [UInt64] = []
    frames.reserveCapacity(innermostFirst.count - start)
    addresses.reserveCapacity(innermostFirst.count - start)
    for frame in innermostFirst[start...].reversed() {
        frames.append(frame.json(inApp: frame.classify(inApp)))
        if addresses.last != frame.instructionAddress { addresses.append(frame.instructionAddress) }
    }
    return (frames, addresses)
}
