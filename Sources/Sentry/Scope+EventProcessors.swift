import CScopeCore

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
        let box = EventCallbackBox(processor)
        _ = csc_scope_add_event_processor(
            handle, eventProcessorTrampoline, Unmanaged.passRetained(box).toOpaque(),
            releaseEventCallbackBox)
    }
}

/// A Swift event callback handed to the core as `user_data`.
final class EventCallbackBox: Sendable {
    let body: @Sendable (Event) -> Event?

    init(_ body: @escaping @Sendable (Event) -> Event?) {
        self.body = body
    }

    /// Runs the callback on the core's event in place; false drops it.
    func run(_ event: UnsafeMutablePointer<json_t>) -> Bool {
        let before = Event(raw: SentryJSONObject(jansson: event))
        guard let after = body(before) else { return false }
        if after != before { janssonReplaceObject(event, with: after.raw) }
        return true
    }
}

private func eventProcessorTrampoline(_ event: UnsafeMutablePointer<json_t>?, _ userData: UnsafeMutableRawPointer?)
    -> Bool
{
    guard let event, let userData else { return true }
    return Unmanaged<EventCallbackBox>.fromOpaque(userData).takeUnretainedValue().run(event)
}

private func releaseEventCallbackBox(_ userData: UnsafeMutableRawPointer?) {
    guard let userData else { return }
    Unmanaged<EventCallbackBox>.fromOpaque(userData).release()
}
