import CScopeCore

extension Scope {
    /// The span bound to this scope (a placeholder slot until tracing lands).
    public var span: (any Span)? {
        get {
            guard let raw = csc_scope_get_span(handle) else { return nil }
            return Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue() as? any Span
        }
        set {
            guard let newValue else {
                _ = csc_scope_set_span(handle, nil, nil, nil)
                return
            }
            let raw = Unmanaged<AnyObject>.passRetained(newValue as AnyObject).toOpaque()
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
