import CScopeCore
internal import CScopeCoreSPI

/// The jansson parts of a finished stack that every event captured from it carries unchanged:
/// the `stacktrace` object (`{"frames": [...]}`, with `in_app`) and the `debug_meta` object
/// (`{"images": [...]}` for its frames). Built once per ``CachedStack`` and never changed
/// afterwards; events get references to them (`csc_stacktrace_share`: a reference count
/// raised, or a deep copy where jansson cannot share), so a repeated capture allocates nothing
/// for its frames and images.
final class StackJSON: @unchecked Sendable {
    /// `{"frames": [...]}`, oldest first.
    let stacktrace: UnsafeMutablePointer<json_t>
    /// `{"images": [...]}` (`nil`: no image matches).
    let debugMeta: UnsafeMutablePointer<json_t>?
    /// `debugMeta` is valid (false: the loaded images changed while they were looked up; each
    /// capture looks them up again).
    let imagesKnown: Bool

    init(stacktrace: UnsafeMutablePointer<json_t>, debugMeta: UnsafeMutablePointer<json_t>?, imagesKnown: Bool) {
        self.stacktrace = stacktrace
        self.debugMeta = debugMeta
        self.imagesKnown = imagesKnown
    }

    deinit {
        csc_stacktrace_unshare(stacktrace)
        csc_stacktrace_unshare(debugMeta)
    }
}

/// An immutable jansson value shared by all events (see `csc_stacktrace_share`).
final class SharedJansson: @unchecked Sendable {
    let value: UnsafeMutablePointer<json_t>?

    init(_ value: UnsafeMutablePointer<json_t>?) { self.value = value }

    deinit { csc_stacktrace_unshare(value) }

    /// A reference for one event (the caller owns it).
    func share() -> UnsafeMutablePointer<json_t>? { csc_stacktrace_share(value) }
}
