import CScopeCore

extension Scope {
    /// The span slot of this scope: the core keeps it with the scope data (forks share it,
    /// `clear()` empties it, the crash handler reads it). Not public until tracing lands; an
    /// object stored here is retained by the slot.
    package var span: AnyObject? {
        get {
            guard let raw = csc_scope_get_span(handle) else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue()
        }
        set {
            guard let newValue else {
                _ = csc_scope_set_span(handle, nil, nil, nil)
                return
            }
            let raw = Unmanaged<AnyObject>.passRetained(newValue).toOpaque()
            _ = csc_scope_set_span(handle, raw, retainSwiftObject, releaseSwiftObject)
            Unmanaged<AnyObject>.fromOpaque(raw).release()  // the slot took its own reference
        }
    }
}

private func retainSwiftObject(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    _ = Unmanaged<AnyObject>.fromOpaque(p).retain()
}

private func releaseSwiftObject(_ p: UnsafeMutableRawPointer?) {
    guard let p else { return }
    Unmanaged<AnyObject>.fromOpaque(p).release()
}
