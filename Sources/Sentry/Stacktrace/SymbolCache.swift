import CScopeCore
internal import CScopeCoreSPI
// `Backtrace(architecture:frames:images:)` and `RichFrame`'s cases: a backtrace of just the
// addresses that need source locations.
@_spi(Internal) import Runtime

/// What ``SymbolCache/plan(_:images:generation:limit:wantsSource:)`` found for one backtrace: the
/// frames of every captured address, and which addresses still need file and line.
struct SymbolizationPlan {
    /// Per captured address, innermost first: the cache key (the adjusted PC) and the frames.
    var keys: [UInt64] = []
    /// The captured frame of each key (its kind: return address, async resume point, ...).
    var frames: [Backtrace.Frame] = []
    var groups: [[SymbolizedFrame]] = []
    /// Indices into `keys` (which are also positions in the captured backtrace) whose frames
    /// lack source locations but should have them, ascending.
    var needsSource: [Int] = []
    var hits = 0
    var misses = 0
    let generation: UInt64
}

/// How Runtime's frame-pointer unwinder went on from a captured address (see
/// ``SymbolCache/cachedFrames(pcs:fps:count:maxFrames:)``).
enum FrameWalk: UInt8, Sendable {
    /// Not seen as the frame of a complete capture.
    case unknown
    /// An ordinary frame: the caller's frame record comes next (or the stack ends).
    case plain
    /// A Swift async resume function: its awaiting callers come next, from the async context chain.
    case async
}

/// What the cache keeps per address.
struct CachedAddress: Sendable {
    /// The frames of the address, inlined ones first.
    var frames: [SymbolizedFrame]
    /// Looked up with file and line (and inlined frames).
    var hasSource: Bool
    var walk: FrameWalk = .unknown
}

/// A finished stack trace and the walk it came from: a capture whose frame walk gives the same
/// addresses (and async resume points) gets `result` as it is. Immutable.
final class CachedStack: Sendable {
    /// The addresses `csc_stacktrace_walk_fp` found, innermost first.
    let pcs: [UInt]
    let skip: Int
    let inApp: InAppRules
    /// The walked frame whose callers came from the async context chain (-1: none), and their
    /// resume points (`csc_stacktrace_walk_async`).
    let asyncFrame: Int
    let resumePoints: [UInt]
    let result: CapturedStacktrace

    init(pcs: [UInt], skip: Int, inApp: InAppRules, asyncFrame: Int, resumePoints: [UInt], result: CapturedStacktrace) {
        self.pcs = pcs
        self.skip = skip
        self.inApp = inApp
        self.asyncFrame = asyncFrame
        self.resumePoints = resumePoints
        self.result = result
    }

    static func key(_ pcs: UnsafeBufferPointer<UInt>, skip: Int) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: UnsafeRawBufferPointer(pcs))
        hasher.combine(skip)
        return hasher.finalize()
    }

    /// The async frame's callers are the same as when this stack was built (always true without
    /// one). `fps` from the same walk; call while the walked frames are live.
    func matchesAsyncChain(fps: UnsafeMutablePointer<UInt>) -> Bool {
        guard asyncFrame >= 0 else { return true }
        let room = resumePoints.count + 1
        let resume = UnsafeMutablePointer<UInt>.allocate(capacity: room)
        defer { resume.deallocate() }
        let n = Int(csc_stacktrace_walk_async(fps[asyncFrame], resume, room))
        return n == resumePoints.count && resumePoints.elementsEqual(UnsafeBufferPointer(start: resume, count: n))
    }
}

/// The process-wide symbol cache behind ``sentryStacktrace(skip:inApp:)``.
///
/// `Backtrace.capture()` re-reads the image map (~170 µs) unless it is given one, and
/// `Backtrace.symbolicated()` caches nothing: names alone cost ~0.5 µs a frame, but file and
/// line cost about 1 ms *per frame* (the DWARF line tables are searched every time). So:
/// - one `ImageMap` is kept, recaptured when ``csc_image_generation`` changes;
/// - every address seen is kept with its frames (at most ``capacity`` addresses; emptied when
///   full, and when the images change, since an address may then belong to another image);
/// - a new address is first named cheaply; file and line are looked up only for the frames
///   the caller wants them for (in-app or unknown ones), by re-capturing just those frames
///   (see ``captureStacktrace(skip:inApp:limit:)``) and symbolicating that window, on the
///   ``Symbolicator`` thread;
/// - with each address, how Runtime's unwinder went on from it (``FrameWalk``: the next frame
///   record, or the async context chain of a Swift async frame), so that a stack of known
///   addresses can be walked without Runtime (``cachedFrames(pcs:fps:count:maxFrames:)``);
/// - finished stacks by their walked addresses (``CachedStack``, at most ``stackCapacity``).
///
/// A stack captured again from the same place then costs a frame-pointer walk
/// (`csc_stacktrace_walk_fp`), one hash and one dictionary lookup; a known stack through a
/// new combination of known addresses, one dictionary lookup per frame.
///
/// Thread safety: all state is behind one lock; symbolication runs outside it. Values handed
/// out are copies or immutable.
final class SymbolCache: @unchecked Sendable {
    static let shared = SymbolCache()
    /// Addresses kept at most.
    static let capacity = 8192
    /// Finished stacks kept at most.
    static let stackCapacity = 1024

    typealias Entry = CachedAddress

    private struct State {
        var generation: UInt64 = .max
        var images: ImageMap?
        var byAddress: [UInt64: Entry] = [:]
        /// Finished stacks by ``CachedStack/key(_:skip:)``.
        var stacks: [Int: CachedStack] = [:]
        var imageMapLoads = 0
        var sourceLookups = 0
    }

    private let state = Locked(State())
    /// Serializes `Backtrace.symbolicated()` (see ``resolve(_:images:withSource:)``); counts the calls.
    private static let symbolications = Locked(0)

    /// The image map for the images loaded now, with the generation it belongs to.
    func imageMap() -> (images: ImageMap, generation: UInt64) {
        var generation = csc_image_generation()
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
        var after = csc_image_generation()
        let expected = LoadedImages.fileImageCount()
        for _ in 0..<4 where after != generation || fresh.count < expected {
            let previous = fresh.count
            generation = after
            fresh = ImageMap.capture()
            after = csc_image_generation()
            if after == generation, fresh.count < expected, fresh.count == previous { break }
        }
        guard after == generation else { return (fresh, .max - 1) }
        state.withLock { s in
            guard s.generation != generation else { return }
            s.byAddress.removeAll(keepingCapacity: true)
            s.stacks.removeAll(keepingCapacity: true)
            s.generation = generation
            s.images = fresh
            s.imageMapLoads += 1
        }
        return (fresh, generation)
    }

    /// Names every address of `backtrace` (from the cache, else with a cheap symbolication
    /// without source locations) and lists the addresses that `wantsSource` wants file and line
    /// for but that have none yet.
    /// `limit` is the one the backtrace was captured with.
    func plan(
        _ backtrace: Backtrace, images: ImageMap, generation: UInt64, limit: Int,
        wantsSource: (SymbolizedFrame) -> Bool
    ) -> SymbolizationPlan {
        var plan = SymbolizationPlan(generation: generation)
        var pcs: [UInt64] = []
        var walks: [FrameWalk] = []
        var all = Array(backtrace.frames)
        // Runtime ends a stack whose frame walk stopped (a null or non-growing frame pointer, a
        // null return address) with `.truncated` too; below the limit that is not a cut.
        if all.count < limit - 1, case .truncated = all.last { all.removeLast() }
        for (index, frame) in all.enumerated() {
            switch frame {
            case .omittedFrames, .truncated: continue
            default:
                guard let key = UInt64(frame.adjustedProgramCounter), key != 0,
                    let pc = UInt64(frame.originalProgramCounter)
                else { continue }
                plan.keys.append(key)
                plan.frames.append(frame)
                pcs.append(pc)
                // What the unwinder did after this frame: that is what the fast path must repeat.
                var walk = FrameWalk.unknown
                if case .asyncResumePoint = frame {
                    walk = .unknown  // found through an async context, not a frame record
                } else if index + 1 == all.count {
                    walk = .plain  // the stack ended here
                } else {
                    switch all[index + 1] {
                    case .asyncResumePoint: walk = .async
                    case .returnAddress, .programCounter: walk = .plain
                    default: walk = .unknown
                    }
                }
                walks.append(walk)
            }
        }
        var found: [Entry?] = state.withLock { s in
            s.generation == generation ? plan.keys.map { s.byAddress[$0] } : plan.keys.map { _ in nil }
        }
        plan.misses = found.reduce(0) { $0 + ($1 == nil ? 1 : 0) }
        plan.hits = plan.keys.count - plan.misses
        var updates: [(UInt64, Entry)] = []
        if plan.misses > 0 {
            let named = Self.resolve(backtrace, images: images, withSource: false)
            for i in found.indices where found[i] == nil {
                found[i] = Entry(
                    frames: named[plan.keys[i]] ?? [SymbolizedFrame(unresolvedPC: pcs[i], images: images)],
                    hasSource: false, walk: walks[i])
                updates.append((plan.keys[i], found[i]!))
            }
        }
        // Hits that learn how the walk goes on (first seen through an async context, or last
        // before a truncation).
        for i in found.indices where walks[i] != .unknown {
            if var entry = found[i], entry.walk == .unknown {
                entry.walk = walks[i]
                found[i] = entry
                updates.append((plan.keys[i], entry))
            }
        }
        store(updates, generation: generation)
        plan.groups = found.map { $0?.frames ?? [] }
        for (i, entry) in found.enumerated() {
            if let entry, !entry.hasSource, let first = entry.frames.last, wantsSource(first) {
                plan.needsSource.append(i)
            }
        }
        return plan
    }

    /// Adds file and line to the frames of `plan` that need them: one symbolication, with
    /// source locations, of those frames' distinct addresses (a backtrace made of just them;
    /// a recursive stack's repeated addresses are looked up once). Returns false, changing
    /// nothing, when no frame needs them.
    func addSource(to plan: inout SymbolizationPlan, architecture: String, images: ImageMap) -> Bool {
        var seen = Set<UInt64>()
        var wanted: [RichFrame<UInt64>] = []
        for i in plan.needsSource where seen.insert(plan.keys[i]).inserted {
            switch plan.frames[i] {
            case .programCounter(let a): UInt64(a).map { wanted.append(.programCounter($0)) }
            case .returnAddress(let a): UInt64(a).map { wanted.append(.returnAddress($0)) }
            case .asyncResumePoint(let a): UInt64(a).map { wanted.append(.asyncResumePoint($0)) }
            default: continue
            }
        }
        guard !wanted.isEmpty else { return false }
        let backtrace = Backtrace(architecture: architecture, frames: wanted, images: images)
        let resolved = Self.resolve(backtrace, images: images, withSource: true)
        var entries: [(UInt64, Entry)] = []
        var stored = Set<UInt64>()
        for i in plan.needsSource {
            let key = plan.keys[i]
            // Not found with source locations: keep the names, and do not look it up again.
            var frames = resolved[key] ?? plan.groups[i]
            // A lookup with source locations that lost the name (seen once for frames of a
            // library without debug info, not reproduced since) keeps the name found before.
            if !frames.contains(where: \.hasSymbol), plan.groups[i].contains(where: \.hasSymbol) {
                frames = plan.groups[i]
            }
            plan.groups[i] = frames
            if stored.insert(key).inserted { entries.append((key, Entry(frames: frames, hasSource: true))) }
        }
        plan.needsSource.removeAll()
        store(entries, generation: plan.generation)
        state.withLock { $0.sourceLookups += 1 }
        return true
    }

    private func store(_ entries: [(UInt64, Entry)], generation: UInt64) {
        guard !entries.isEmpty else { return }
        state.withLock { s in
            guard s.generation == generation else { return }
            if s.byAddress.count + entries.count > Self.capacity {
                s.byAddress.removeAll(keepingCapacity: true)
                s.stacks.removeAll(keepingCapacity: true)
            }
            for (key, var entry) in entries {
                // A lookup with source locations does not know how the walk went on: keep that.
                if entry.walk == .unknown, let walk = s.byAddress[key]?.walk { entry.walk = walk }
                s.byAddress[key] = entry
            }
        }
    }

    /// The cached frames of a stack walked by `csc_stacktrace_walk_fp` (`pcs` and `fps`,
    /// innermost first, `count` of them), or `nil` unless every address is cached (for the
    /// images loaded now) together with how Runtime's unwinder went on from it. At the first
    /// Swift async frame the walk continues, as Runtime's does, through the async context chain
    /// (`csc_stacktrace_walk_async`; call this while the walked frames are live). `nil` also
    /// when the stack has more than `maxFrames` frames. One lock, a dictionary lookup per address.
    func cachedFrames(
        pcs: UnsafeMutablePointer<UInt>, fps: UnsafeMutablePointer<UInt>, count: Int,
        maxFrames: Int
    ) -> (entries: [CachedAddress], asyncFrame: Int, resumePoints: [UInt])? {
        let generation = csc_image_generation()
        var out: [CachedAddress] = []
        out.reserveCapacity(count)
        var asyncFrame = -1
        let complete = state.withLock { s -> Bool in
            guard s.generation == generation else { return false }
            for i in 0..<count {
                // Return addresses: the key is the adjusted PC, as Runtime's.
                guard let entry = s.byAddress[UInt64(pcs[i]) &- 1], entry.walk != .unknown else { return false }
                out.append(entry)
                if entry.walk == .async {
                    asyncFrame = i
                    break
                }
            }
            return true
        }
        guard complete else { return nil }
        guard asyncFrame >= 0 else { return (out, -1, []) }
        let room = maxFrames - out.count
        guard room > 0 else { return nil }
        let resume = UnsafeMutablePointer<UInt>.allocate(capacity: room)
        defer { resume.deallocate() }
        let n = Int(csc_stacktrace_walk_async(fps[asyncFrame], resume, room))
        guard n >= 0, n < room else { return nil }
        let found = state.withLock { s -> Bool in
            guard s.generation == generation else { return false }
            for i in 0..<n where resume[i] != 0 {
                // Resume points are not return addresses: the key is the address itself.
                guard let entry = s.byAddress[UInt64(resume[i])] else { return false }
                out.append(entry)
            }
            return true
        }
        return found ? (out, asyncFrame, Array(UnsafeBufferPointer(start: resume, count: n))) : nil
    }

    /// The stack built before from exactly these walked addresses (and `skip` and `inApp`), for
    /// the images loaded now; the caller checks ``CachedStack/matchesAsyncChain(fps:)``.
    func cachedStack(_ pcs: UnsafeBufferPointer<UInt>, skip: Int, inApp: InAppRules) -> CachedStack? {
        let key = CachedStack.key(pcs, skip: skip)
        let generation = csc_image_generation()
        guard let stack = state.withLock({ s in s.generation == generation ? s.stacks[key] : nil }),
            stack.skip == skip, stack.pcs.elementsEqual(pcs), stack.inApp == inApp
        else { return nil }
        return stack
    }

    /// Keeps a stack built from cached addresses (at most ``stackCapacity``; emptied with the
    /// address cache).
    func keepStack(_ stack: CachedStack) {
        let key = stack.pcs.withUnsafeBufferPointer { CachedStack.key($0, skip: stack.skip) }
        state.withLock { s in
            if s.stacks.count >= Self.stackCapacity { s.stacks.removeAll(keepingCapacity: true) }
            s.stacks[key] = stack
        }
    }

    /// Image map reloads and source-location lookups so far (for tests and benchmarks).
    var imageMapLoads: Int { state.withLock { $0.imageMapLoads } }
    var sourceLookups: Int { state.withLock { $0.sourceLookups } }

    /// Empties the address cache (not the image map). For tests and benchmarks.
    func removeAllSymbols() {
        state.withLock { s in
            s.byAddress.removeAll()
            s.stacks.removeAll()
        }
    }

    // MARK: - symbolication

    /// Loads the image map and the symbols and line tables of the images on the calling
    /// thread's stack (the SDK's image: the main executable of a SwiftPM build), so that the first
    /// capture does not pay for them. Run by ``Symbolicator/warmUp()`` on its thread.
    func warmUp() {
        let (images, _) = imageMap()
        guard let backtrace = try? Backtrace.capture(algorithm: .auto, limit: 16, images: images) else { return }
        _ = Self.resolve(backtrace, images: images, withSource: true)
    }

    /// The frames of each address of `backtrace`. With `withSource`, file, line and inlined
    /// frames too (about 1 ms a frame).
    private static func resolve(_ backtrace: Backtrace, images: ImageMap, withSource: Bool) -> [UInt64:
        [SymbolizedFrame]]
    {
        let options: Backtrace.SymbolicationOptions = withSource ? [.showInlineFrames, .showSourceLocations] : []
        // Runtime does not document `symbolicated()` as thread-safe (it opens and caches ELF
        // images, per thread): calls take turns on the one thread of ``Symbolicator``, so the
        // debug info is loaded once per process, not once per capturing thread.
        let result = Symbolicator.shared.run {
            symbolications.withLock { count -> SymbolicatedBacktrace? in
                count += 1
                return backtrace.symbolicated(with: images, options: options)
            }
        }
        guard let symbolicated = result else { return [:] }
        var out: [UInt64: [SymbolizedFrame]] = [:]
        let main = LoadedImages.mainExecutablePath
        // One captured address gives its inlined frames (inlined == true) and then the frame of
        // the function they were inlined into; an address seen twice (recursion) is kept once.
        var group: [SymbolizedFrame] = []
        for frame in symbolicated.frames {
            guard let key = UInt64(frame.captured.adjustedProgramCounter), key != 0,
                let pc = UInt64(frame.captured.originalProgramCounter)
            else { continue }
            if !frame.isSwiftThunk { group.append(SymbolizedFrame(frame, pc: pc, images: images, mainPath: main)) }
            if frame.inlined { continue }
            if out[key] == nil { out[key] = group }
            group.removeAll(keepingCapacity: true)
        }
        return out
    }
}
