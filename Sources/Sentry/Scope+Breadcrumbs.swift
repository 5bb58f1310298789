import CScopeCore

extension Scope {
    /// Adds a breadcrumb to this scope.
    ///
    /// Needs a started SDK (a breadcrumb added before ``SentrySDK/start(options:)`` is dropped,
    /// as in the Python SDK). Runs the `beforeBreadcrumb` option. The scope keeps the newest
    /// `maxBreadcrumbs` and counts the evicted ones.
    ///
    /// Fast path: strings, numbers, booleans and `null` in ``Breadcrumb/data`` go to the core
    /// without building JSON.
    public func addBreadcrumb(_ crumb: Breadcrumb) {
        _ = BreadcrumbBridge.add(crumb, to: handle)
    }

    /// Adds a breadcrumb given as a raw JSON object (`message`, `category`, `level`, `type`,
    /// `data`, `timestamp` as ISO-8601 text or seconds, and any other key), kept as given.
    public func addBreadcrumb(json crumb: SentryJSONObject) {
        guard let j = crumb.makeJansson() else { return }
        defer { json_decref(j) }
        _ = csc_scope_add_breadcrumb_json(handle, j)
    }

    /// Removes this scope's breadcrumbs and resets its count of evicted ones.
    public func clearBreadcrumbs() {
        _ = csc_scope_clear_breadcrumbs(handle)
    }

    /// The number of breadcrumbs this scope holds.
    public var breadcrumbCount: Int {
        csc_scope_breadcrumb_count(handle)
    }
}

/// Fills the core's `csc_breadcrumb_t`/`csc_kv_t` structures on the stack.
///
/// Every string (type, category, message, data keys and string values) is copied, NUL-terminated,
/// into one stack buffer and passed with its length: no closure per string, no `strlen` in the
/// core. Non-scalar data values go as jansson values.
enum BreadcrumbBridge {
    static func add(_ crumb: borrowing Breadcrumb, to scope: OpaquePointer) -> Int32 {
        var c = csc_breadcrumb_t()
        c.level = crumb.level.cLevel
        c.timestamp_us = crumb.timestamp.map(Timestamp.micros) ?? 0
        let entries = crumb.data.entries
        var bytes = 0
        if let t = crumb.type { bytes += t.utf8.count + 1 }
        if let t = crumb.category { bytes += t.utf8.count + 1 }
        if let t = crumb.message { bytes += t.utf8.count + 1 }
        for i in entries.indices {
            bytes += entries[i].0.utf8.count + 1
            if case .string(let v) = entries[i].1 { bytes += v.utf8.count + 1 }
        }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: max(bytes, 1)) { buf in
            var at = 0
            c.type = crumb.type.map { put($0, buf, &at).0 }
            c.category = crumb.category.map { put($0, buf, &at).0 }
            c.message = crumb.message.map { put($0, buf, &at).0 }
            let n = entries.count
            if n == 0 { return csc_scope_add_breadcrumb(scope, &c) }
            return withUnsafeTemporaryAllocation(of: csc_kv_t.self, capacity: n) { kvs in
                var hasJansson = false
                for i in 0..<n {
                    var kv = csc_kv_t()
                    (kv.key, kv.key_len) = put(entries[i].0, buf, &at)
                    switch entries[i].1 {
                    case .string(let v):
                        kv.type = CSC_KV_STRING
                        (kv.v.s, kv.s_len) = put(v, buf, &at)
                    case .int(let v):
                        kv.type = CSC_KV_INT
                        kv.v.i = v
                    case .double(let d) where d.isFinite:
                        kv.type = CSC_KV_DOUBLE
                        kv.v.d = d
                    case .bool(let b):
                        kv.type = CSC_KV_BOOL
                        kv.v.b = b
                    case .null:
                        kv.type = CSC_KV_NULL
                    default:
                        kv.type = CSC_KV_JSON
                        kv.v.json = entries[i].1.makeJansson()
                        hasJansson = true
                    }
                    (kvs.baseAddress! + i).initialize(to: kv)
                }
                c.data = UnsafePointer(kvs.baseAddress)
                c.data_count = n
                let rc = csc_scope_add_breadcrumb(scope, &c)
                if hasJansson {
                    for k in 0..<n where kvs[k].type == CSC_KV_JSON { json_decref(kvs[k].v.json) }
                }
                return rc
            }
        }
    }

    /// Copies `s` (NUL-terminated) to `buf[at...]`; returns its address and UTF-8 length.
    @inline(__always)
    private static func put(
        _ s: String, _ buf: UnsafeMutableBufferPointer<CChar>,
        _ at: inout Int
    ) -> (UnsafePointer<CChar>, Int) {
        let start = buf.baseAddress! + at
        // Native strings are contiguous UTF-8 (no copy of the String itself, no retain); bridged
        // ones are copied byte by byte.
        let n =
            s.utf8.withContiguousStorageIfAvailable { u in
                if let base = u.baseAddress {
                    copyBytes(UnsafeMutableRawPointer(start), UnsafeRawPointer(base), u.count)
                }
                return u.count
            }
            ?? {
                var k = 0
                for b in s.utf8 { start[k] = CChar(bitPattern: b); k += 1 }
                return k
            }()
        start[n] = 0
        at += n + 1
        return (UnsafePointer(start), n)
    }

    /// memcpy for the short strings breadcrumbs are made of, without a call for each.
    @inline(__always)
    private static func copyBytes(_ dst: UnsafeMutableRawPointer, _ src: UnsafeRawPointer, _ n: Int) {
        if n >= 8 && n <= 32 {
            var i = 0
            while i + 8 <= n {
                dst.storeBytes(
                    of: src.loadUnaligned(fromByteOffset: i, as: UInt64.self), toByteOffset: i, as: UInt64.self)
                i += 8
            }
            if i < n {  // the last 8 bytes, overlapping what is already copied
                dst.storeBytes(
                    of: src.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self), toByteOffset: n - 8,
                    as: UInt64.self)
            }
        } else if n < 8 {
            for i in 0..<n {
                dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self), toByteOffset: i, as: UInt8.self)
            }
        } else {
            dst.copyMemory(from: src, byteCount: n)
        }
    }
}
