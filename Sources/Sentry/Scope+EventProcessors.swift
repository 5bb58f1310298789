import CScopeCore
import Synchronization

extension Scope {
    /// Adds an event processor: it sees every event captured while this scope is one of the
    /// active tiers (global, isolation or current), after the scope data was applied, and may
    /// change it or drop it by returning `nil`.
    ///
    /// Processors run global first, then isolation, then current, each tier in the order they
    /// were added, on the capturing thread. Processors of a scope passed to a single capture
    /// (`scope:` or `block:`) do not run, as in the Python SDK. A scope holding more than 20
    /// processors empties its list before adding the next one.
    ///
    /// ```swift
    /// SentrySDK.globalScope.addEventProcessor { event in
    ///     var event = event
    ///     event.tags["pod"] = .string(podName)
    ///     return event
    /// }
    /// ```
    public func addEventProcessor(_ processor: @escaping @Sendable (Event) -> Event?) {
        addEventProcessor(EventCallbackBox(processor))
    }

    func addEventProcessor(_ box: EventCallbackBox) {
        if handle == ScopeStorage.global.handle { ProcessorGeneration.noteGlobalAdd() }
        _ = csc_scope_add_event_processor(handle, eventProcessorTrampoline, Unmanaged.passRetained(box).toOpaque(),
                                          releaseEventCallbackBox)
    }
}

/// A Swift event callback handed to the core as `user_data`.
final class EventCallbackBox: Sendable {
    let body: @Sendable (Event) -> Event?
    /// The processor generation it was added in (see ``ProcessorGeneration``).
    let generation: Int

    init(_ body: @escaping @Sendable (Event) -> Event?, generation: Int = ProcessorGeneration.current.load(ordering: .relaxed)) {
        self.body = body
        self.generation = generation
    }

    /// Runs the callback on the core's event in place; false drops it.
    func run(_ event: UnsafeMutablePointer<json_t>) -> Bool {
        let before = Event(raw: SentryJSONObject(jansson: event))
        guard let after = body(before) else { return false }
        if after != before { janssonReplaceObject(event, with: after.raw) }
        return true
    }
}

/// Bumped by `SentrySDK.resetForTesting()`: processors added before are skipped afterwards, so
/// a test harness can start every scenario with processor-free scopes.
enum ProcessorGeneration {
    static let current = Atomic<Int>(0)

    /// A mirror of the number of processors on the global scope, following the core's rule
    /// (more than 20 empties the list before the next one is added).
    static let globalCount = Atomic<Int>(0)

    static func noteGlobalAdd() {
        let n = globalCount.load(ordering: .relaxed)
        globalCount.store(n > Int(CSC_MAX_EVENT_PROCESSORS) ? 1 : n + 1, ordering: .relaxed)
    }

    /// Starts a new generation and fills the global scope's processor list with inert entries
    /// up to the limit, so the next processor added there empties the list first: the global
    /// scope then behaves as if it had no processors (the core has no call to remove them).
    static func reset() {
        current.add(1, ordering: .relaxed)
        while globalCount.load(ordering: .relaxed) <= Int(CSC_MAX_EVENT_PROCESSORS) {
            ScopeStorage.global.addEventProcessor(EventCallbackBox({ $0 }, generation: -1))
        }
    }
}

private func eventProcessorTrampoline(_ event: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?) -> Bool {
    guard let event, let userData else { return true }
    let box = Unmanaged<EventCallbackBox>.fromOpaque(userData).takeUnretainedValue()
    if box.generation != ProcessorGeneration.current.load(ordering: .relaxed) { return true }
    return box.run(event)
}

private func releaseEventCallbackBox(_ userData: UnsafeMutableRawPointer?) {
    guard let userData else { return }
    Unmanaged<EventCallbackBox>.fromOpaque(userData).release()
}
