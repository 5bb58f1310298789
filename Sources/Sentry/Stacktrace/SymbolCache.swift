import Runtime

/// What ``SymbolCache/plan(_:images:generation:wantsSource:)`` found for one backtrace: the
/// frames of every captured address, and which addresses still need file and line.
struct SymbolizationPlan {
    /// Per captured address, innermost first: the cache key (the adjusted PC) and the frames.
    var keys: [UInt64] = []
    var groups: [[SymbolizedFrame]] = []
    /// Indices into `keys` (which are also positions in the captured backtrace) whose frames
    /// lack source locations but should have them, ascending.
    var needsSource: [Int] = []
    var hits = 0
    var misses = 0
    let generation: UInt64
}

/// The process-wide symbol cache behind ``sentryStacktrace(skip:inApp:)``.
///
/// `Backtrace.capture()` re-reads the image map (~170 µs) unless it is given one, and
/// `Backtrace.symbolicated()` caches nothing: names alone cost ~0.5 µs a frame, but file and
/// line cost about 1 ms *per frame* (the DWARF line tables are searched every time). So:
/// - one `ImageMap` is kept, recaptured when ``LoadedImages/generation()`` changes;
/// - every address seen is kept with its frames (at most ``capacity`` addresses; emptied when
///   full, and when the images change, since an address may then belong to another image);
/// - a new address is first named cheaply; file and line are looked up only for the frames
///   the caller wants them for (in-app or unknown ones), by re-capturing just those frames
///   (see ``captureStacktrace(skip:inApp:limit:)``) and symbolicating that window.
///
/// A stack captured again from the same place then costs a capture with the cached image map
/// plus one dictionary lookup per frame.
///
/// Thread safety: all state is behind one lock; symbolication runs outside it. Values handed
/// out are copies.
final class SymbolCache: @unchecked Sendable {
    static let shared = SymbolCache()
    /// Addresses kept at most.
    static let capacity = 8192

    private struct Entry {
        var frames: [SymbolizedFrame]
        /// Looked up with file and line (and inlined frames).
        var hasSource: Bool
    }

    private struct State {
        var generation: UInt64 = .max
        var images: ImageMap?
        var byAddress: [UInt64: Entry] = [:]
        var imageMapLoads = 0
        var sourceLookups = 0
    }

    private let state = Locked(State())
    /// Serializes `Backtrace.symbolicated()` (see ``resolve(_:images:withSource:)``); counts the calls.
    private static let symbolications = Locked(0)

    /// The image map for the images loaded now, with the generation it belongs to.
    func imageMap() -> (images: ImageMap, generation: UInt64) {
        var generation = LoadedImages.generation()
        if let images = state.withLock({ $0.generation == generation ? $0.images : nil }) {
            return (images, generation)
        }
        // ~170 µs, outside the lock. A map read while a library is being loaded or unloaded
        // can miss images, so it is only kept when the generation did not move meanwhile; and
        // `/proc/self/maps` is not read atomically (other threads mapping memory meanwhile can
        // make whole images disappear from one read), so a map with fewer images than the
        // dynamic linker reports is read again (until two reads agree: some images may
        // legitimately be missing from the map). Still unstable: used once, never cached.
        var fresh = ImageMap.capture()
        var after = LoadedImages.generation()
        let expected = LoadedImages.fileImageCount()
        for _ in 0..<4 where after != generation || fresh.count < expected {
            let previous = fresh.count
            generation = after
            fresh = ImageMap.capture()
            after = LoadedImages.generation()
            if after == generation, fresh.count < expected, fresh.count == previous { break }
        }
        guard after == generation else { return (fresh, .max - 1) }
        state.withLock { s in
            guard s.generation != generation else { return }
            s.byAddress.removeAll(keepingCapacity: true)
            s.generation = generation
            s.images = fresh
            s.imageMapLoads += 1
        }
        return (fresh, generation)
    }

    /// Names every address of `backtrace` (from the cache, else with a cheap symbolication
    /// without source locations) and lists the addresses that `wantsSource` wants file and line
    /// for but that have none yet.
    func plan(_ backtrace: Backtrace, images: ImageMap, generation: UInt64,
              wantsSource: (SymbolizedFrame) -> Bool) -> SymbolizationPlan {
        var plan = SymbolizationPlan(generation: generation)
        var pcs: [UInt64] = []
        for frame in backtrace.frames {
            switch frame {
            case .omittedFrames, .truncated: continue
            default:
                guard let key = UInt64(frame.adjustedProgramCounter), key != 0,
                      let pc = UInt64(frame.originalProgramCounter) else { continue }
                plan.keys.append(key)
                pcs.append(pc)
            }
        }
        var found: [Entry?] = state.withLock { s in
            s.generation == generation ? plan.keys.map { s.byAddress[$0] } : plan.keys.map { _ in nil }
        }
        plan.misses = found.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        plan.hits = plan.keys.count - plan.misses
        if plan.misses > 0 {
            let named = Self.resolve(backtrace, images: images, withSource: false)
            for i in found.indices where found[i] == nil {
                found[i] = Entry(frames: named[plan.keys[i]] ?? [SymbolizedFrame(unresolvedPC: pcs[i], images: images)], hasSource: false)
            }
            store(plan.keys.indices.compactMap { i in found[i].map { (plan.keys[i], $0) } }, generation: generation)
        }
        plan.groups = found.map { $0?.frames ?? [] }
        for (i, entry) in found.enumerated() {
            if let entry, !entry.hasSource, let first = entry.frames.last, wantsSource(first) { plan.needsSource.append(i) }
        }
        return plan
    }

    /// Adds file and line to `plan` from `window`: the same stack captured again with
    /// `offset: start`. Returns false (changing nothing) when the window's addresses do not
    /// line up with the plan's.
    func addSource(to plan: inout SymbolizationPlan, window: Backtrace, start: Int, images: ImageMap) -> Bool {
        var keys: [UInt64] = []
        for frame in window.frames {
            if case .omittedFrames = frame { continue }
            if case .truncated = frame { continue }
            keys.append(UInt64(frame.adjustedProgramCounter) ?? 0)
        }
        guard !keys.isEmpty, start + keys.count <= plan.keys.count,
              Array(plan.keys[start..<(start + keys.count)]) == keys else { return false }
        let resolved = Self.resolve(window, images: images, withSource: true)
        var entries: [(UInt64, Entry)] = []
        for (j, key) in keys.enumerated() {
            guard var frames = resolved[key] else { continue }
            // A lookup with source locations that lost the name (seen once for frames of a
            // library without debug info, not reproduced since) keeps the name found before.
            if !frames.contains(where: \.hasSymbol), plan.groups[start + j].contains(where: \.hasSymbol) {
                frames = plan.groups[start + j]
            }
            plan.groups[start + j] = frames
            entries.append((key, Entry(frames: frames, hasSource: true)))
        }
        plan.needsSource.removeAll { $0 >= start && $0 < start + keys.count }
        store(entries, generation: plan.generation)
        state.withLock { $0.sourceLookups += 1 }
        return true
    }

    /// Adds file and line for every address of `backtrace` (the fallback when a window does not
    /// line up).
    func addSource(to plan: inout SymbolizationPlan, wholeBacktrace backtrace: Backtrace, images: ImageMap) {
        _ = addSource(to: &plan, window: backtrace, start: 0, images: images)
        plan.needsSource.removeAll()
    }

    private func store(_ entries: [(UInt64, Entry)], generation: UInt64) {
        guard !entries.isEmpty else { return }
        state.withLock { s in
            guard s.generation == generation else { return }
            if s.byAddress.count + entries.count > Self.capacity { s.byAddress.removeAll(keepingCapacity: true) }
            for (key, entry) in entries { s.byAddress[key] = entry }
        }
    }

    /// Image map reloads and source-location lookups so far (for tests and benchmarks).
    var imageMapLoads: Int { state.withLock { $0.imageMapLoads } }
    var sourceLookups: Int { state.withLock { $0.sourceLookups } }

    /// Empties the address cache (not the image map). For tests and benchmarks.
    func removeAllSymbols() { state.withLock { $0.byAddress.removeAll() } }

    // MARK: - symbolication

    /// The frames of each address of `backtrace`. With `withSource`, file, line and inlined
    /// frames too (about 1 ms a frame).
    private static func resolve(_ backtrace: Backtrace, images: ImageMap, withSource: Bool) -> [UInt64: [SymbolizedFrame]] {
        let options: Backtrace.SymbolicationOptions = withSource ? [.showInlineFrames, .showSourceLocations] : []
        // Runtime does not document `symbolicated()` as thread-safe (it opens and caches ELF
        // images); it is the cold path, so calls take turns.
        let result = symbolications.withLock { count -> SymbolicatedBacktrace? in
            count += 1
            return backtrace.symbolicated(with: images, options: options)
        }
        guard let symbolicated = result else { return [:] }
        var out: [UInt64: [SymbolizedFrame]] = [:]
        let main = LoadedImages.mainExecutablePath
        // One captured address gives its inlined frames (inlined == true) and then the frame of
        // the function they were inlined into; an address seen twice (recursion) is kept once.
        var group: [SymbolizedFrame] = []
        for frame in symbolicated.frames {
            guard let key = UInt64(frame.captured.adjustedProgramCounter), key != 0,
                  let pc = UInt64(frame.captured.originalProgramCounter) else { continue }
            if !frame.isSwiftThunk { group.append(SymbolizedFrame(frame, pc: pc, images: images, mainPath: main)) }
            if frame.inlined { continue }
            if out[key] == nil { out[key] = group }
            group.removeAll(keepingCapacity: true)
        }
        return out
    }
}
