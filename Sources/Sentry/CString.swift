import CScopeCore

/// Helpers that hand Swift strings to C without copying (native Swift strings are contiguous UTF-8).
enum CString {
    /// A pointer to an empty C string, for empty buffers whose base address may be `nil`.
    nonisolated(unsafe) static let empty: UnsafePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    /// `buf`'s start as a C character pointer (never `nil`).
    @inline(__always)
    static func pointer(_ buf: UnsafeBufferPointer<UInt8>) -> UnsafePointer<CChar> {
        guard let base = buf.baseAddress else { return empty }
        return UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
    }
}

/// Calls `body` with a NUL-terminated copy-free pointer to `s`, or `nil` when `s` is `nil`.
@inline(__always)
func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}
